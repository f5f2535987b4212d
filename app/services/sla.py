"""The SLA clock: escalating overdue threads to staff, and the scheduled follow-ups.

Every job here is a conditional UPDATE … RETURNING: the WHERE clause says
which rows still need the change, so the database decides who does the work.
Two processes running the sweep at once cannot both escalate a thread: on
PostgreSQL the second UPDATE waits for the first's row lock and then
re-checks `escalated_at IS NULL`; SQLite serialises writers outright. Only
the rows a process actually changed get a timeline event and a notification,
so each escalation leaves exactly one of each.

The cost grows with the number of due threads: the WHERE starts with
`status = 'unanswered' AND sla_due_at <= now`, served by the index
ix_threads_status_sla_due_at (see bench/sla_sweep_bench.py).
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, insert, select, update

from app import clock, events
from app.domain.business_hours import BusinessHours, add_business_minutes, business_minutes_between
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.models import Category, Thread, ThreadEvent, ThreadStatus, Visibility
from app.services import timeline


@dataclass
class SweepResult:
    escalated: list[int] = field(default_factory=list)
    prompted: list[int] = field(default_factory=list)
    auto_resolved: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"escalated {len(self.escalated)}, resolution prompts {len(self.prompted)}, "
                f"auto-resolved {len(self.auto_resolved)}")


def category_hours(category: Category) -> BusinessHours | None:
    return BusinessHours.from_config(category.business_hours) if category.business_hours else None


def staff_due_at(escalated_at: datetime, category: Category) -> datetime:
    """When staff should have answered a thread escalated at `escalated_at`."""
    return add_business_minutes(escalated_at, category.staff_response_minutes, category_hours(category))


def breach_minutes(deadline: datetime, category: Category, now: datetime | None = None) -> int:
    """Open-time minutes past `deadline` (0 when not yet due), on the category's clock."""
    return business_minutes_between(deadline, now or clock.now(), category_hours(category))


def overdue_condition(now: datetime):
    """Threads the sweep should escalate now: the one statement of the rule, used by the queue too."""
    return and_(
        Thread.status == ThreadStatus.UNANSWERED.value,
        Thread.sla_due_at <= now,
        Thread.needs_staff.is_(False),
        Thread.escalated_at.is_(None),
        Thread.visibility == Visibility.VISIBLE.value,
    )


def _set_staff_due(rows: list[tuple[int, int]], now: datetime) -> None:
    """One UPDATE per category: every row escalated now in a category shares its deadline."""
    by_category: dict[int, list[int]] = {}
    for thread_id, category_id in rows:
        by_category.setdefault(category_id, []).append(thread_id)
    if not by_category:
        return
    categories = db.session.scalars(select(Category).where(Category.id.in_(by_category))).all()
    for category in categories:
        ids = by_category[category.id]
        for start in range(0, len(ids), 500):
            db.session.execute(update(Thread).where(Thread.id.in_(ids[start:start + 500]))
                               .values(staff_due_at=staff_due_at(now, category))
                               .execution_options(synchronize_session=False))


def escalate_overdue_threads(now: datetime | None = None) -> list[int]:
    """Escalate every thread whose community window has closed without an answer; return their ids."""
    now = now or clock.now()
    # UPDATE … RETURNING gives rows in no particular order (PostgreSQL varies it): sort by id, so
    # events, timelines and the returned list come oldest thread first, the same on every run.
    rows = sorted(db.session.execute(
        update(Thread).where(overdue_condition(now))
        .values(needs_staff=True, escalated_at=now)
        .returning(Thread.id, Thread.category_id, Thread.author_id)
        .execution_options(synchronize_session=False)
    ).all(), key=lambda row: row.id)
    if not rows:
        db.session.commit()
        return []
    _set_staff_due([(row.id, row.category_id) for row in rows], now)
    db.session.execute(insert(ThreadEvent), [
        {"thread_id": row.id, "kind": EventKind.ESCALATED.value, "actor_id": None, "created_at": now,
         "detail": {"reason": "sla"}, "is_internal": False} for row in rows])
    for row in rows:
        events.announce("escalated", thread_id=row.id, reason="sla", asker_id=row.author_id,
                        category_id=row.category_id)
    db.session.commit()
    return [row.id for row in rows]


def escalate_thread(thread: Thread, actor_id: int | None, reason: str, *, priority: bool = False,
                    detail: dict | None = None) -> bool:
    """Put one thread in the staff queue now (ask-staff, "not solved"); the caller commits.

    Conditional like the sweep, so a thread already waiting for staff is not escalated twice.
    Returns whether this call escalated it.
    """
    now = clock.now()
    values = {"needs_staff": True, "escalated_at": now,
              "staff_due_at": staff_due_at(now, thread.category), "resolution_check_at": None}
    if priority:
        values["priority"] = Thread.priority + 1
    changed = db.session.execute(
        update(Thread).where(Thread.id == thread.id, Thread.needs_staff.is_(False),
                             Thread.status.in_([ThreadStatus.UNANSWERED.value, ThreadStatus.ANSWERED.value]))
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    timeline.record(thread.id, EventKind.ESCALATED, actor_id, at=now, detail={"reason": reason, **(detail or {})})
    events.announce("escalated", thread_id=thread.id, actor_id=actor_id, reason=reason, asker_id=thread.author_id,
                    category_id=thread.category_id)
    return True


def prompt_after_community_answers(now: datetime | None = None) -> list[int]:
    """Ask the asker "Did this solve your problem?" N hours after an unaccepted community answer."""
    now = now or clock.now()
    hours = current_app.config["RESOLUTION_CHECK_AFTER_COMMUNITY_HOURS"]
    if hours is None or hours < 0:
        return []
    cutoff = now - timedelta(hours=hours)
    already_prompted = exists().where(ThreadEvent.thread_id == Thread.id,
                                      ThreadEvent.kind == EventKind.RESOLUTION_PROMPTED.value)
    rows = db.session.execute(
        update(Thread).where(
            Thread.status == ThreadStatus.ANSWERED.value, Thread.first_response_at <= cutoff,
            Thread.resolution_check_at.is_(None), Thread.needs_staff.is_(False),
            Thread.visibility == Visibility.VISIBLE.value, ~already_prompted)
        .values(resolution_check_at=now)
        .returning(Thread.id, Thread.author_id)
        .execution_options(synchronize_session=False)
    ).all()
    if rows:
        db.session.execute(insert(ThreadEvent), [
            {"thread_id": row.id, "kind": EventKind.RESOLUTION_PROMPTED.value, "actor_id": None,
             "created_at": now, "detail": {"after": "community_answer"}, "is_internal": False} for row in rows])
        for row in rows:
            events.announce("resolution_prompted", thread_id=row.id, user_id=row.author_id,
                            after="community_answer")
    db.session.commit()
    return [row.id for row in rows]


def auto_resolve_unconfirmed(now: datetime | None = None) -> list[int]:
    """Resolve staff-answered threads whose asker never answered the resolution check."""
    now = now or clock.now()
    cutoff = now - timedelta(days=current_app.config["AUTO_RESOLVE_AFTER_DAYS"])
    rows = db.session.execute(
        update(Thread).where(
            Thread.status == ThreadStatus.ANSWERED.value, Thread.first_staff_response_at.is_not(None),
            Thread.resolution_check_at <= cutoff, Thread.needs_staff.is_(False),
            Thread.visibility == Visibility.VISIBLE.value)
        .values(status=ThreadStatus.RESOLVED.value, resolved_at=now, resolution_check_at=None)
        .returning(Thread.id, Thread.author_id)
        .execution_options(synchronize_session=False)
    ).all()
    if rows:
        db.session.execute(insert(ThreadEvent), [
            {"thread_id": row.id, "kind": EventKind.AUTO_RESOLVED.value, "actor_id": None, "created_at": now,
             "detail": {"after_days": current_app.config["AUTO_RESOLVE_AFTER_DAYS"]}, "is_internal": False}
            for row in rows])
        from app.services import search_outbox

        for row in rows:
            search_outbox.enqueue(row.id)
            events.announce("auto_resolved", thread_id=row.id, asker_id=row.author_id)
    db.session.commit()
    return [row.id for row in rows]


def run_scheduled_work() -> SweepResult:
    """One pass of every time-driven job; idempotent, safe beside a second copy."""
    now = clock.now()
    return SweepResult(
        escalated=escalate_overdue_threads(now),
        prompted=prompt_after_community_answers(now),
        auto_resolved=auto_resolve_unconfirmed(now),
    )
