"""Announce what happened once; everything that reacts to it subscribes.

A service calls `announce(...)` inside its transaction: the event row is
written with the change. After the commit (never before, and not at all
after a rollback) every subscriber is called with the event in this
process. Events written by other processes (a cron sweep, another server)
reach the same subscribers through the relay (`app.events.relay`), so a
subscriber such as the page cache or the socket emitter sees every event
exactly once per process, whoever wrote it.

Subscribers must not touch the database session they are called from
(it has just committed). Work that must be exact with the change itself
(a reputation ledger row for a vote, reversing it when a moderator deletes
the post) registers with `within(kind)`: such a handler runs at announce
time inside the same transaction, so the reaction commits or rolls back
with its cause, and the announcing service need not know who reacts.
"""
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app import clock
from app.extensions import db
from app.models.events import DomainEvent

log = logging.getLogger("peerdesk.events")

#: Identifies this process in the `origin` column; new after a fork so workers differ.
ORIGIN = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
_PENDING_KEY = "peerdesk_pending_events"
_subscribers: list[Callable[["Happened"], None]] = []
_in_transaction: dict[str, list[Callable[[DomainEvent], None]]] = {}


@dataclass(frozen=True)
class Happened:
    """What subscribers receive: a plain copy of the row, safe outside the session."""

    id: int
    kind: str
    thread_id: int | None = None
    actor_id: int | None = None
    user_id: int | None = None
    payload: dict = field(default_factory=dict)
    origin: str = ORIGIN
    created_at: datetime | None = None

    @classmethod
    def of(cls, row: DomainEvent) -> "Happened":
        return cls(id=row.id, kind=row.kind, thread_id=row.thread_id, actor_id=row.actor_id,
                   user_id=row.user_id, payload=dict(row.payload or {}), origin=row.origin,
                   created_at=row.created_at)


def announce(kind: str, /, *, thread_id: int | None = None, actor_id: int | None = None,
             user_id: int | None = None, **payload) -> DomainEvent:
    """Record that `kind` happened, in the caller's transaction; subscribers hear of it after the commit."""
    row = DomainEvent(kind=kind, thread_id=thread_id, actor_id=actor_id, user_id=user_id,
                      payload=payload or None, origin=ORIGIN, created_at=clock.now())
    db.session.add(row)
    db.session.info.setdefault(_PENDING_KEY, []).append(row)
    for handler in _in_transaction.get(kind, ()):
        handler(row)
    return row


def within(*kinds: str):
    """Decorator: run the handler with the event row inside the announcing transaction.

    Errors propagate, so the whole change fails rather than half of it
    committing. Registering the same handler twice is a no-op.
    """
    def register(handler: Callable[[DomainEvent], None]):
        for kind in kinds:
            handlers = _in_transaction.setdefault(kind, [])
            if handler not in handlers:
                handlers.append(handler)
        return handler

    return register


def subscribe(handler: Callable[[Happened], None]) -> Callable[[Happened], None]:
    """Register `handler` for every committed event; usable as a decorator. Registering twice is a no-op."""
    if handler not in _subscribers:
        _subscribers.append(handler)
    return handler


def dispatch(happened: Happened) -> None:
    """Call every subscriber; one failing subscriber never stops the others."""
    for handler in list(_subscribers):
        try:
            handler(happened)
        except Exception:
            log.exception("event subscriber %s failed on %s #%s", getattr(handler, "__name__", handler),
                          happened.kind, happened.id)


def _flush_ids(session: Session, _flush_context) -> None:
    """Copy the pending rows once they have ids (still inside the transaction)."""
    pending = session.info.get(_PENDING_KEY)
    if pending:
        session.info[_PENDING_KEY + "_ready"] = session.info.get(_PENDING_KEY + "_ready", []) + [
            Happened.of(row) for row in pending if row.id is not None]
        session.info[_PENDING_KEY] = [row for row in pending if row.id is None]


def _after_commit(session: Session) -> None:
    ready = session.info.pop(_PENDING_KEY + "_ready", [])
    session.info.pop(_PENDING_KEY, None)
    for happened in ready:
        dispatch(happened)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_PENDING_KEY + "_ready", None)


def install() -> None:
    """Hook the session lifecycle once per process (idempotent)."""
    if not sa_event.contains(Session, "after_flush_postexec", _flush_ids):
        sa_event.listen(Session, "after_flush_postexec", _flush_ids)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_rollback", _after_rollback)
