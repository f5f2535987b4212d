"""Closing the loop: "Did this solve your problem?" and "Ask staff".

After a staff answer (and, via the scheduled sweep, some hours after an
unaccepted community answer) the asker is asked whether the problem is
solved. "Yes" accepts an answer (timeline kind resolution_confirmed); "No"
records the asker's comment, reopens the thread and puts it back in the
staff queue with raised priority.

"Ask staff" lets any member pull staff in once the community window has
closed; when the member is not the asker, the asker must agree first, so
nobody escalates someone else's question over their head.
"""
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, delete, select

from app import clock, events
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.models import Answer, StaffRequest, Thread, ThreadStatus, User, Visibility
from app.services import resolution, search_outbox, sla, timeline
from app.services.errors import Conflict, NotAuthorised, ValidationFailed

MAX_COMMENT_CHARS = 2000
OPEN_STATUSES = (ThreadStatus.UNANSWERED.value, ThreadStatus.ANSWERED.value)


def check_pending(thread: Thread, user: User | None) -> bool:
    """Whether `user` is the asker and should see the resolution question now."""
    return (user is not None and user.is_authenticated and user.id == thread.author_id
            and thread.resolution_check_at is not None and thread.status == ThreadStatus.ANSWERED.value)


def prompt_after_staff_answer(thread: Thread) -> None:
    """Called by posting.answer inside its transaction when staff answered someone else's question.

    The staff 'answered' timeline event already marks the moment; the announcement asks the asker.
    """
    events.announce("resolution_prompted", thread_id=thread.id, user_id=thread.author_id, after="staff_answer")


def _require_asker(user: User, thread: Thread) -> None:
    if user.id != thread.author_id:
        raise NotAuthorised(_("Only the person who asked can answer this."))


def _answer_to_accept(thread: Thread, answer_id: int | None) -> int | None:
    """The answer the asker chose, else the latest staff answer, else the latest answer by someone else."""
    if answer_id is not None:
        return answer_id
    return db.session.scalar(
        select(Answer.id).where(Answer.thread_id == thread.id, Answer.author_id != thread.author_id,
                                Answer.visibility == Visibility.VISIBLE.value)
        .order_by(case((Answer.is_staff.is_(True), 0), else_=1), Answer.created_at.desc(), Answer.id.desc())
        .limit(1))


def confirm_solved(asker: User, thread: Thread, answer_id: int | None = None) -> Thread:
    _require_asker(asker, thread)
    if thread.status not in OPEN_STATUSES:
        raise Conflict(_("This question is already settled."))
    chosen = _answer_to_accept(thread, answer_id)
    if chosen is None:
        raise ValidationFailed(_("There is no answer to accept yet."))
    return resolution.accept(asker, thread, chosen, kind=EventKind.RESOLUTION_CONFIRMED)


def report_not_solved(asker: User, thread: Thread, comment: str = "") -> Thread:
    """"No, still not solved": reopen, and back to the staff queue ahead of the rest."""
    _require_asker(asker, thread)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationFailed(_("The comment is too long."),
                               {"comment": _("At most %(n)d characters.", n=MAX_COMMENT_CHARS)})
    if thread.status not in OPEN_STATUSES:
        raise Conflict(_("This question is already settled."))
    now = clock.now()
    timeline.record(thread.id, EventKind.REOPENED, asker.id, at=now,
                    detail={"via": "resolution_check", "comment": comment or None})
    thread.resolution_check_at = None
    thread.last_activity_at = now
    db.session.flush()
    events.announce("reopened", thread_id=thread.id, actor_id=asker.id, via="resolution_check",
                    asker_id=thread.author_id)
    if not sla.escalate_thread(thread, asker.id, "not_solved", priority=True):
        thread.priority = Thread.priority + 1
    search_outbox.enqueue(thread.id)  # last_activity_at is indexed
    db.session.commit()
    db.session.refresh(thread)
    return thread


def can_ask_staff(user: User | None, thread: Thread) -> bool:
    """Any signed-in member, once the community window has closed and staff are not already on it."""
    return (user is not None and user.is_authenticated and not user.is_staff
            and thread.status in OPEN_STATUSES and not thread.needs_staff
            and thread.sla_due_at <= clock.now())


def pending_request(thread: Thread) -> StaffRequest | None:
    return db.session.get(StaffRequest, thread.id)


def requester_name(thread) -> str | None:
    """Who suggested asking staff while the asker has not answered yet, or None.

    A member's thread page asks this on most open threads once the community window has closed.
    One Core select with the name: the entity and its lazy `requested_by` took two ORM round trips.
    """
    return db.session.connection().scalar(_REQUESTER_NAME, {"thread_id": thread.id})


_REQUESTER_NAME = (select(User.__table__.c.username)
                   .join(StaffRequest.__table__, StaffRequest.__table__.c.requested_by_id == User.__table__.c.id)
                   .where(StaffRequest.__table__.c.thread_id == bindparam("thread_id")))


def ask_staff(member: User, thread: Thread) -> str:
    """Returns "escalated" (the asker asked) or "requested" (waiting for the asker to agree)."""
    if not can_ask_staff(member, thread):
        raise Conflict(_("Staff can be asked once the community has had its time, and only once."))
    if member.id == thread.author_id:
        sla.escalate_thread(thread, member.id, "asked_by_asker")
        db.session.execute(delete(StaffRequest).where(StaffRequest.thread_id == thread.id))
        db.session.commit()
        return "escalated"
    if pending_request(thread) is not None:
        raise Conflict(_("Someone already suggested asking staff; the asker has been asked."))
    now = clock.now()
    db.session.add(StaffRequest(thread_id=thread.id, requested_by_id=member.id, requested_at=now))
    timeline.record(thread.id, EventKind.STAFF_REQUESTED, member.id, at=now)
    events.announce("staff_requested", thread_id=thread.id, actor_id=member.id, user_id=thread.author_id)
    db.session.commit()
    return "requested"


def answer_staff_request(asker: User, thread: Thread, agree: bool) -> bool:
    """The asker agrees (escalate now) or declines; either way the request is settled."""
    _require_asker(asker, thread)
    request = pending_request(thread)
    if request is None:
        raise Conflict(_("Nobody is waiting for your answer on this."))
    requested_by = request.requested_by_id
    db.session.delete(request)
    escalated = False
    if agree:
        escalated = sla.escalate_thread(thread, asker.id, "asked_by_member", detail={"requested_by": requested_by})
    db.session.commit()
    return escalated
