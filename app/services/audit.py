"""The audit log: who did what to whom, why, and what it looked like before and after.

Append-only: rows are added in the acting service's transaction (so an
action and its record commit together) and never changed or deleted.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import clock, policy
from app.extensions import db
from app.models import AuditEntry, User
from app.services.browsing import Page, paging_problems
from app.services.errors import ValidationFailed

PER_PAGE = 50


def record(actor: User | None, action: str, *, target_user_id: int | None = None, thread_id: int | None = None,
           answer_id: int | None = None, reason: str = "", before: dict | None = None,
           after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, target_user_id=target_user_id,
                       thread_id=thread_id, answer_id=answer_id, reason=(reason or "")[:500], before=before,
                       after=after, created_at=clock.now())
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    moderator: str | None = None
    user: str | None = None
    action: str | None = None
    page: int = 1


def validate_filter(moderator=None, user=None, action=None, page=None) -> AuditFilter:
    numbers, errors = paging_problems(page, None, PER_PAGE)
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return AuditFilter(moderator=(moderator or "").strip() or None, user=(user or "").strip() or None,
                       action=(action or "").strip() or None, page=numbers["page"])


def _user_id(username: str):
    return select(User.id).where(func.lower(User.username) == username.lower()).scalar_subquery()


def entries(viewer: User, flt: AuditFilter) -> Page:
    """Newest first, filtered by moderator, target user and action; two queries whatever the page."""
    policy.can_moderate(viewer).enforce()
    conditions = []
    if flt.moderator:
        conditions.append(AuditEntry.actor_id == _user_id(flt.moderator))
    if flt.user:
        conditions.append(AuditEntry.target_user_id == _user_id(flt.user))
    if flt.action:
        conditions.append(AuditEntry.action == flt.action)
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    rows = db.session.scalars(
        select(AuditEntry).where(*conditions)
        .options(joinedload(AuditEntry.actor), joinedload(AuditEntry.target_user))
        .order_by(AuditEntry.id.desc()).limit(PER_PAGE).offset((flt.page - 1) * PER_PAGE)).all()
    return Page(items=list(rows), page=flt.page, per_page=PER_PAGE, total=total)
