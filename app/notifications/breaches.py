"""Tell a staff member when a thread assigned to them passes its staff target.

Nothing happens at the moment a deadline passes, so no service can announce
it: the notification worker looks for such threads on each pass (one
indexed query) and announces `staff_target_breached` once per escalation —
a thread escalated again later (after "No, not solved") can breach again.
The assignee is told through the ordinary dispatcher, with their
preferences; an unassigned thread only shows its breach in the queue.

Two workers may run at once (the server's and `flask mail worker`): the
candidate rows are locked with SKIP LOCKED on PostgreSQL and the "not yet
announced" test is part of the same statement, so a second worker either
skips the rows or sees the first one's event.
"""
from sqlalchemy import and_, exists, select

from app import clock, events
from app.extensions import db
from app.models import DomainEvent, Thread, Visibility

KIND = "staff_target_breached"
BATCH = 200


def announce_breaches(now=None) -> list[int]:
    """Announce every newly breached assigned thread; commits; returns the thread ids."""
    now = now or clock.now()
    announced_since_escalation = exists().where(
        DomainEvent.thread_id == Thread.id, DomainEvent.kind == KIND, DomainEvent.created_at >= Thread.escalated_at)
    rows = db.session.execute(
        select(Thread.id, Thread.assignee_id, Thread.staff_due_at)
        .where(and_(Thread.needs_staff.is_(True), Thread.assignee_id.is_not(None), Thread.staff_due_at <= now,
                    Thread.visibility == Visibility.VISIBLE.value), ~announced_since_escalation)
        .order_by(Thread.staff_due_at).limit(BATCH).with_for_update(of=Thread, skip_locked=True)).all()
    for thread_id, assignee_id, due_at in rows:
        events.announce(KIND, thread_id=thread_id, user_id=assignee_id, due_at=due_at.isoformat())
    db.session.commit()
    return [row[0] for row in rows]
