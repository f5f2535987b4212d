"""Who is told what: turns announced events into notification rows.

Services announce what happened (app/events); they never write
notifications themselves. This module decides the recipients of each kind
and writes one row per recipient, plus a `notified` event per row so the
recipient's open pages ring the bell live (through the relay when another
process wrote it).
"""
from sqlalchemy import func, select, update

from app import clock, events
from app.extensions import db
from app.models import Department, Notification, Thread, ThreadEvent, User
from app.models.events import DomainEvent


class NotificationKind:
    ANSWERED = "answered"
    ESCALATED = "escalated"
    RESOLUTION_CHECK = "resolution_check"
    STAFF_REQUESTED = "staff_requested"
    ASSIGNED = "assigned"
    DEPARTMENT_ESCALATED = "department_escalated"
    DEPARTMENT_RETURNED = "department_returned"
    AUTO_RESOLVED = "auto_resolved"


def tell(user_id: int, kind: str, thread_id: int | None = None, detail: dict | None = None) -> None:
    """Write one notification in the current transaction and announce it for the live bell."""
    db.session.add(Notification(user_id=user_id, kind=kind, thread_id=thread_id, detail=detail,
                                created_at=clock.now()))
    events.announce("notified", thread_id=thread_id, user_id=user_id, notification=kind)


def _asker(row: DomainEvent) -> int | None:
    payload = row.payload or {}
    if payload.get("asker_id"):
        return payload["asker_id"]
    return db.session.scalar(select(Thread.author_id).where(Thread.id == row.thread_id))


@events.within("answered")
def _answered(row: DomainEvent) -> None:
    asker = _asker(row)
    if asker and asker != row.actor_id:
        tell(asker, NotificationKind.ANSWERED, row.thread_id, {"answer_id": (row.payload or {}).get("answer_id")})


@events.within("escalated")
def _escalated(row: DomainEvent) -> None:
    asker = _asker(row)
    if asker:
        tell(asker, NotificationKind.ESCALATED, row.thread_id, {"reason": (row.payload or {}).get("reason")})


@events.within("resolution_prompted")
def _resolution_prompted(row: DomainEvent) -> None:
    tell(row.user_id or _asker(row), NotificationKind.RESOLUTION_CHECK, row.thread_id)


@events.within("auto_resolved")
def _auto_resolved(row: DomainEvent) -> None:
    asker = _asker(row)
    if asker:
        tell(asker, NotificationKind.AUTO_RESOLVED, row.thread_id)


@events.within("staff_requested")
def _staff_requested(row: DomainEvent) -> None:
    by = db.session.scalar(select(User.username).where(User.id == row.actor_id))
    tell(row.user_id or _asker(row), NotificationKind.STAFF_REQUESTED, row.thread_id, {"by": by})


@events.within("assigned")
def _assigned(row: DomainEvent) -> None:
    if row.user_id and row.user_id != row.actor_id:
        tell(row.user_id, NotificationKind.ASSIGNED, row.thread_id)


@events.within("department_escalated")
def _department_escalated(row: DomainEvent) -> None:
    department = db.session.get(Department, (row.payload or {}).get("department_id"))
    for member in department.members if department else ():
        if member.id != row.actor_id:
            tell(member.id, NotificationKind.DEPARTMENT_ESCALATED, row.thread_id)


@events.within("department_returned")
def _department_returned(row: DomainEvent) -> None:
    escalator = db.session.scalar(
        select(ThreadEvent.actor_id).where(ThreadEvent.thread_id == row.thread_id,
                                           ThreadEvent.kind == "department_escalated")
        .order_by(ThreadEvent.created_at.desc(), ThreadEvent.id.desc()).limit(1))
    if escalator and escalator != row.actor_id:
        tell(escalator, NotificationKind.DEPARTMENT_RETURNED, row.thread_id)


def for_user(user_id: int, page: int = 1, per_page: int = 20):
    from sqlalchemy.orm import joinedload

    from app.services.browsing import Page

    total = db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user_id)) or 0
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).options(joinedload(Notification.thread))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=clock.now()))
    db.session.commit()
    return result.rowcount
