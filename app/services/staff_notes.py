"""Internal staff notes on threads and customers, and the customer context panel.

Notes are read only through this module by staff views: no public page,
public API serializer, search document or public socket event touches them.
Adding a note tells only the staff room.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import clock, events
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.markup import render_markdown
from app.models import StaffNote, Thread, ThreadEvent, User, Visibility
from app.services import timeline
from app.services.errors import NotFound, ValidationFailed
from app.services.staff_queue import MAX_NOTE_CHARS, require_staff


def _body(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write the note first."), {"body": _("A note cannot be empty.")})
    if len(text) > MAX_NOTE_CHARS:
        raise ValidationFailed(_("The note is too long."), {"body": _("At most %(n)d characters.", n=MAX_NOTE_CHARS)})
    return text


def add_thread_note(author: User, thread_id: int, text: str) -> StaffNote:
    require_staff(author)
    body = _body(text)
    if db.session.get(Thread, thread_id) is None:
        raise NotFound(_("This question does not exist or was removed."))
    now = clock.now()
    note = StaffNote(thread_id=thread_id, author_id=author.id, body_source=body, body_html=render_markdown(body),
                     created_at=now)
    db.session.add(note)
    db.session.flush()
    timeline.record(thread_id, EventKind.NOTE_ADDED, author.id, at=now, internal=True, detail={"note_id": note.id})
    events.announce("note_added", thread_id=thread_id, actor_id=author.id, note_id=note.id)
    db.session.commit()
    return note


def add_customer_note(author: User, customer_id: int, text: str) -> StaffNote:
    require_staff(author)
    body = _body(text)
    if db.session.get(User, customer_id) is None:
        raise NotFound(_("No such user."))
    note = StaffNote(customer_id=customer_id, author_id=author.id, body_source=body, body_html=render_markdown(body),
                     created_at=clock.now())
    db.session.add(note)
    db.session.commit()
    return note


def thread_notes(thread_id: int) -> list[StaffNote]:
    return list(db.session.scalars(select(StaffNote).where(StaffNote.thread_id == thread_id)
                                   .options(joinedload(StaffNote.author))
                                   .order_by(StaffNote.created_at, StaffNote.id)))


def customer_notes(customer_id: int) -> list[StaffNote]:
    return list(db.session.scalars(select(StaffNote).where(StaffNote.customer_id == customer_id)
                                   .options(joinedload(StaffNote.author))
                                   .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())))


def internal_timeline(thread_id: int) -> list[ThreadEvent]:
    """Every event of the thread, internal ones included: the hand-over history for staff."""
    return list(db.session.scalars(select(ThreadEvent).where(ThreadEvent.thread_id == thread_id)
                                   .options(joinedload(ThreadEvent.actor))
                                   .order_by(ThreadEvent.created_at, ThreadEvent.id)))


@dataclass
class CustomerContext:
    customer: User
    account_age_days: int
    earlier_threads: list[Thread]
    outcomes: dict[str, int]
    thread_total: int
    notes: list[StaffNote]


def customer_context(customer: User, exclude_thread_id: int | None = None, limit: int = 8) -> CustomerContext:
    """The asker at a glance: their earlier questions and how they ended, reputation, age, notes."""
    conditions = [Thread.author_id == customer.id, Thread.visibility != Visibility.DELETED.value]
    if exclude_thread_id is not None:
        conditions.append(Thread.id != exclude_thread_id)
    earlier = list(db.session.scalars(select(Thread).where(*conditions)
                                      .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(limit)))
    outcomes = dict(db.session.execute(select(Thread.status, func.count(Thread.id)).where(*conditions)
                                       .group_by(Thread.status)).all())
    age = clock.now() - customer.created_at if isinstance(customer.created_at, datetime) else None
    return CustomerContext(customer=customer, account_age_days=max(0, age.days) if age else 0,
                           earlier_threads=earlier, outcomes=outcomes, thread_total=sum(outcomes.values()),
                           notes=customer_notes(customer.id))
