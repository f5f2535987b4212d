"""In-app notifications: one row per thing a user should know, plus a live ping.

Services add rows inside their own transaction (`add`) and ping after the
commit (`ping`), so a notification exists exactly when its cause does.
"""
from collections.abc import Iterable

from sqlalchemy import func, insert, select, update

from app import clock
from app.extensions import db
from app.models import Notification
from app.realtime import emitter


class NotificationKind:
    ESCALATED = "escalated"
    RESOLUTION_CHECK = "resolution_check"
    STAFF_REQUESTED = "staff_requested"
    ASSIGNED = "assigned"
    DEPARTMENT_ESCALATED = "department_escalated"
    DEPARTMENT_RETURNED = "department_returned"
    AUTO_RESOLVED = "auto_resolved"


def add(user_id: int, kind: str, thread_id: int | None = None, detail: dict | None = None) -> None:
    db.session.add(Notification(user_id=user_id, kind=kind, thread_id=thread_id, detail=detail,
                                created_at=clock.now()))


def add_many(rows: Iterable[tuple[int, str, int | None]]) -> None:
    """Bulk insert of (user_id, kind, thread_id) rows: one statement however many."""
    now = clock.now()
    values = [{"user_id": user_id, "kind": kind, "thread_id": thread_id, "created_at": now}
              for user_id, kind, thread_id in rows]
    if values:
        db.session.execute(insert(Notification), values)


def ping(user_id: int, kind: str, thread_id: int | None = None) -> None:
    emitter.user_notified(user_id, kind, thread_id)


def for_user(user_id: int, page: int = 1, per_page: int = 20):
    from app.services.browsing import Page

    total = db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user_id)) or 0
    from sqlalchemy.orm import joinedload

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
