"""The durable dispatcher: committed events → notification and mail-outbox rows, exactly once.

A batch is claimed by one conditional UPDATE (`dispatched_at IS NULL`,
`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers), and the
claim, the notifications, the outbox rows and the `notified` events commit
together. A crash before the commit leaves the batch unclaimed for the next
run; two dispatchers never take the same event. So posting an answer only
writes its event: the cost of telling 200 followers is paid here, outside
the request.

It runs in the server process (woken by every committed event, and every
NOTIFY_WORKER_INTERVAL_SECONDS for other processes' events), as
`flask mail worker` in production, and inline after each commit in tests
(NOTIFY_DISPATCH_INLINE), so a test sees the notification of a change at once.
"""
import logging
import threading

from flask import Flask, current_app
from sqlalchemy import select, update

from app import clock, events
from app.extensions import db
from app.models import DomainEvent
from app.notifications import account_mail, service

log = logging.getLogger("peerdesk.notifications")
BATCH = 200
_local = threading.local()
wake = threading.Event()


def dispatch_pending(batch: int = BATCH) -> int:
    """Claim and handle one batch of undispatched events; returns how many were claimed."""
    claimable = (select(DomainEvent.id).where(DomainEvent.dispatched_at.is_(None))
                 .order_by(DomainEvent.id).limit(batch).with_for_update(skip_locked=True))
    claimed = db.session.scalars(
        update(DomainEvent).where(DomainEvent.id.in_(claimable), DomainEvent.dispatched_at.is_(None))
        .values(dispatched_at=clock.now()).returning(DomainEvent.id)
        .execution_options(synchronize_session=False)).all()
    if not claimed:
        db.session.rollback()
        return 0
    for row in db.session.scalars(select(DomainEvent).where(DomainEvent.id.in_(claimed)).order_by(DomainEvent.id)):
        if row.kind in account_mail.ACCOUNT_KINDS:
            account_mail.handle(row)
        elif row.kind != "notified":
            service.deliver(row, service.notices_for(row))
    db.session.commit()
    return len(claimed)


def dispatch_all() -> int:
    total = 0
    while True:
        claimed = dispatch_pending()
        total += claimed
        if claimed < BATCH:
            return total


def on_event(happened: events.Happened) -> None:
    """Subscriber: wake the worker, or (tests) dispatch at once in a session of its own."""
    if happened.kind == "notified":
        return
    if not current_app.config.get("NOTIFY_DISPATCH_INLINE"):
        wake.set()
        return
    if getattr(_local, "busy", False):
        return
    _local.busy = True
    try:
        with current_app.app_context():
            dispatch_all()
    finally:
        _local.busy = False


def run_worker(app: Flask, *, deliver_mail: bool = True, stop: threading.Event | None = None) -> None:
    """Announce staff-target breaches, dispatch events and send due mail until `stop`; each pass is
    idempotent and safe beside another worker."""
    from app.notifications import breaches, delivery

    interval = app.config["NOTIFY_WORKER_INTERVAL_SECONDS"]
    while stop is None or not stop.is_set():
        wake.clear()
        try:
            with app.app_context():
                breaches.announce_breaches()
                dispatch_all()
                if deliver_mail:
                    delivery.deliver_due()
        except Exception:
            log.exception("notification worker pass failed; retrying in %ss", interval)
        wake.wait(interval)
