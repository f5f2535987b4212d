"""The staff unanswered queue: listing, claiming, assigning and department hand-overs.

The queue is the union of threads marked `needs_staff` and unanswered
threads whose community window has closed but which no sweep has reached
yet (`sla.overdue_condition`), so the page is right even when the sweep
runs late. A page costs a constant number of queries: a count, the rows
with their category / author / assignee joined, and the departments.

Claims are conditional UPDATEs (`… WHERE assignee_id IS NULL`): when two
staff claim at once, the database lets exactly one row change, and the
other caller is told who won.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from app import clock, events, policy
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.markup import render_markdown
from app.models import (Category, Department, StaffNote, Thread, ThreadStatus, User, Visibility,
                        department_members)
from app.services import sla, timeline
from app.services.browsing import Page, paging_problems
from app.services.errors import Conflict, NotAuthorised, NotFound, ValidationFailed

VIEWS = ("escalated", "due_soon", "mine", "unassigned", "departments")
DUE_SOON_WINDOW = timedelta(hours=1)
MAX_NOTE_CHARS = 5000


@dataclass(frozen=True)
class QueueFilter:
    view: str = "escalated"
    category: str | None = None
    department: str | None = None
    page: int = 1
    per_page: int = 25


@dataclass
class QueueItem:
    thread: Thread
    department: Department | None
    overdue_since: datetime | None       # escalated_at, or sla_due_at when no sweep got to it yet
    staff_due_at: datetime | None
    breach_minutes: int                   # open-time minutes past the staff target; 0 when within it
    due_in_minutes: int | None            # for "due soon": minutes until the community window closes
    swept: bool


def require_staff(user: User) -> None:
    policy.can_use_staff_area(user).enforce()


def validate_filter(view=None, category=None, department=None, page=None, per_page=None,
                    max_per_page: int = 100) -> QueueFilter:
    numbers, errors = paging_problems(page, per_page, default_per_page=25)
    if view and view not in VIEWS:
        errors["view"] = _("Unknown queue view.")
    if errors:
        raise ValidationFailed(_("Invalid queue parameters."), errors)
    return QueueFilter(view=view or "escalated", category=category or None, department=department or None,
                       page=numbers["page"], per_page=min(numbers["per_page"], max_per_page))


def _waiting_for_staff(now: datetime):
    open_statuses = [ThreadStatus.UNANSWERED.value, ThreadStatus.ANSWERED.value]
    return or_(
        and_(Thread.needs_staff.is_(True), Thread.status.in_(open_statuses),
             Thread.visibility == Visibility.VISIBLE.value),
        sla.overdue_condition(now),
    )


def _conditions(flt: QueueFilter, viewer: User, now: datetime) -> list:
    if flt.view == "due_soon":
        conditions = [Thread.status == ThreadStatus.UNANSWERED.value, Thread.needs_staff.is_(False),
                      Thread.escalated_at.is_(None), Thread.visibility == Visibility.VISIBLE.value,
                      Thread.sla_due_at > now, Thread.sla_due_at <= now + DUE_SOON_WINDOW]
    else:
        conditions = [_waiting_for_staff(now)]
        if flt.view == "mine":
            conditions.append(Thread.assignee_id == viewer.id)
        elif flt.view == "unassigned":
            conditions.append(Thread.assignee_id.is_(None))
        elif flt.view == "departments":
            conditions.append(Thread.department_id.in_(
                select(department_members.c.department_id).where(department_members.c.user_id == viewer.id)))
    if flt.category:
        conditions.append(Thread.category_id == select(Category.id).where(Category.slug == flt.category)
                          .scalar_subquery())
    if flt.department:
        conditions.append(Thread.department_id == select(Department.id).where(Department.slug == flt.department)
                          .scalar_subquery())
    return conditions


def list_queue(flt: QueueFilter, viewer: User, departments: list[Department] | None = None) -> Page:
    """One page of the queue: most urgent first (priority, then the earliest staff deadline)."""
    now = clock.now()
    conditions = _conditions(flt, viewer, now)
    total = db.session.scalar(select(func.count(Thread.id)).where(*conditions)) or 0
    if flt.view == "due_soon":
        order = (Thread.sla_due_at, Thread.id)
    else:
        order = (Thread.priority.desc(), func.coalesce(Thread.staff_due_at, Thread.sla_due_at), Thread.id)
    rows = db.session.scalars(
        select(Thread).where(*conditions)
        .options(joinedload(Thread.category), joinedload(Thread.author), joinedload(Thread.assignee))
        .order_by(*order).limit(flt.per_page).offset((flt.page - 1) * flt.per_page)
    ).unique().all()
    if departments is None:
        departments = all_departments()
    by_id = {department.id: department for department in departments}
    return Page(items=[_item(thread, by_id.get(thread.department_id), now, flt.view) for thread in rows],
                page=flt.page, per_page=flt.per_page, total=total)


def _item(thread: Thread, department, now: datetime, view: str) -> QueueItem:
    if view == "due_soon":
        return QueueItem(thread, department, None, None, 0,
                         max(0, int((thread.sla_due_at - now).total_seconds() // 60)), False)
    swept = thread.escalated_at is not None
    overdue_since = thread.escalated_at if swept else thread.sla_due_at
    deadline = thread.staff_due_at or sla.staff_due_at(overdue_since, thread.category)
    breach = sla.breach_minutes(deadline, thread.category, now) if now > deadline else 0
    return QueueItem(thread, department, overdue_since, deadline, breach, None, swept)


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def staff_members() -> list[User]:
    from app.models import STAFF_ROLES

    return list(db.session.scalars(select(User).where(User.role.in_(STAFF_ROLES), User.banned_at.is_(None))
                                   .order_by(User.username)))


def _queue_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.visibility == Visibility.DELETED.value:
        raise NotFound(_("This question does not exist or was removed."))
    return thread


def claim(actor: User, thread_id: int) -> Thread:
    """Assign to self if nobody holds the thread; Conflict names the colleague who won."""
    require_staff(actor)
    thread = _queue_thread(thread_id)
    now = clock.now()
    won = db.session.execute(
        update(Thread).where(Thread.id == thread_id, Thread.assignee_id.is_(None))
        .values(assignee_id=actor.id).execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        db.session.rollback()
        holder = db.session.scalar(select(User).join(Thread, Thread.assignee_id == User.id)
                                   .where(Thread.id == thread_id))
        if holder is not None and holder.id == actor.id:
            return thread
        raise Conflict(_("Already claimed by %(user)s.", user=holder.username if holder else "?"),
                       {"assignee": holder.username if holder else ""})
    timeline.record(thread_id, EventKind.CLAIMED, actor.id, at=now, internal=True)
    events.announce("claimed", thread_id=thread_id, actor_id=actor.id, user_id=actor.id)
    db.session.commit()
    db.session.refresh(thread)
    return thread


def assign(actor: User, thread_id: int, assignee_name: str) -> Thread:
    """Give the thread to a colleague (or take it over): an explicit, recorded hand-over."""
    require_staff(actor)
    thread = _queue_thread(thread_id)
    assignee = db.session.scalar(select(User).where(func.lower(User.username) == (assignee_name or "").lower()))
    if assignee is None or not assignee.is_staff:
        raise ValidationFailed(_("Choose a staff member."), {"assignee": _("Choose a staff member.")})
    previous = thread.assignee_id
    if previous == assignee.id:
        return thread
    now = clock.now()
    db.session.execute(update(Thread).where(Thread.id == thread_id).values(assignee_id=assignee.id)
                       .execution_options(synchronize_session=False))
    timeline.record(thread_id, EventKind.ASSIGNED, actor.id, at=now, internal=True,
                    detail={"from_user_id": previous, "to_user_id": assignee.id, "to": assignee.username})
    events.announce("assigned", thread_id=thread_id, actor_id=actor.id, user_id=assignee.id,
                    previous_assignee_id=previous)
    db.session.commit()
    db.session.refresh(thread)
    return thread


def unclaim(actor: User, thread_id: int) -> Thread:
    """Release the thread; only its holder, or a moderator/admin, may do that."""
    require_staff(actor)
    thread = _queue_thread(thread_id)
    condition = [Thread.id == thread_id, Thread.assignee_id.is_not(None)]
    if not policy.is_moderator(actor):
        condition.append(Thread.assignee_id == actor.id)
    previous = thread.assignee_id
    released = db.session.execute(update(Thread).where(*condition).values(assignee_id=None)
                                  .execution_options(synchronize_session=False)).rowcount
    if not released:
        db.session.rollback()
        if previous is None:
            raise Conflict(_("Nobody holds this question."))
        raise NotAuthorised(_("Only the assignee can release this question."))
    timeline.record(thread_id, EventKind.UNCLAIMED, actor.id, internal=True, detail={"from_user_id": previous})
    events.announce("unclaimed", thread_id=thread_id, actor_id=actor.id, previous_assignee_id=previous)
    db.session.commit()
    db.session.refresh(thread)
    return thread


def _note_text(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Write an internal note for the hand-over."), {"note": _("A note is required.")})
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed(_("The note is too long."), {"note": _("At most %(n)d characters.", n=MAX_NOTE_CHARS)})
    return note


def escalate_to_department(actor: User, thread_id: int, department_slug: str, note: str) -> Thread:
    """Tier 2: hand the thread to a department with an internal note; its members are notified."""
    require_staff(actor)
    thread = _queue_thread(thread_id)
    department = db.session.scalar(
        select(Department).where(Department.slug == (department_slug or "")).options(joinedload(Department.members)))
    errors = {}
    if department is None:
        errors["department"] = _("Choose a department.")
    try:
        note = _note_text(note)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    if thread.department_id == department.id:
        raise Conflict(_("This question is already with %(name)s.", name=department.name))
    now = clock.now()
    staff_note = StaffNote(thread_id=thread_id, author_id=actor.id, body_source=note,
                           body_html=render_markdown(note), created_at=now)
    db.session.add(staff_note)
    db.session.flush()
    thread.department_id = department.id
    timeline.record(thread_id, EventKind.DEPARTMENT_ESCALATED, actor.id, at=now, internal=True,
                    detail={"department": department.slug, "note_id": staff_note.id})
    events.announce("department_escalated", thread_id=thread_id, actor_id=actor.id, department_id=department.id,
                    note_id=staff_note.id)
    db.session.commit()
    return thread


def return_from_department(actor: User, thread_id: int, note: str) -> Thread:
    """The department hands the thread back to the general queue, saying what it found."""
    require_staff(actor)
    thread = _queue_thread(thread_id)
    if thread.department_id is None:
        raise Conflict(_("This question is not with a department."))
    note = _note_text(note)
    department = db.session.get(Department, thread.department_id)
    now = clock.now()
    staff_note = StaffNote(thread_id=thread_id, author_id=actor.id, body_source=note,
                           body_html=render_markdown(note), created_at=now)
    db.session.add(staff_note)
    db.session.flush()
    thread.department_id = None
    timeline.record(thread_id, EventKind.DEPARTMENT_RETURNED, actor.id, at=now, internal=True,
                    detail={"department": department.slug if department else None, "note_id": staff_note.id})
    events.announce("department_returned", thread_id=thread_id, actor_id=actor.id,
                    department_id=department.id if department else None, note_id=staff_note.id)
    db.session.commit()
    return thread
