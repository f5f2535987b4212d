"""Accepting an answer resolves a thread; un-accepting re-opens it."""
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock, events, policy
from app.converters import MAX_DATABASE_ID
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.models import Answer, Thread, ThreadStatus, User, Visibility
from app.services import reputation_ledger, search_outbox, timeline
from app.services.errors import ValidationFailed


def can_accept(user: User, thread: Thread) -> bool:
    """For pages: whether to offer the accept buttons (the rule is app.policy.can_accept)."""
    return bool(policy.can_accept(user, thread))


def _open_status(thread: Thread) -> str:
    """The status a thread falls back to when it is no longer resolved."""
    answered_by_other = db.session.scalar(
        select(Answer.id).where(Answer.thread_id == thread.id, Answer.author_id != thread.author_id,
                                Answer.visibility == Visibility.VISIBLE.value).limit(1)
    )
    return ThreadStatus.ANSWERED.value if answered_by_other else ThreadStatus.UNANSWERED.value


def accept(actor: User, thread: Thread, answer_id, *, kind: str = EventKind.ACCEPTED) -> Thread:
    policy.can_accept(actor, thread).enforce()
    is_id = isinstance(answer_id, int) and 0 < answer_id <= MAX_DATABASE_ID
    chosen = db.session.get(Answer, answer_id) if is_id else None
    if chosen is None or chosen.thread_id != thread.id or chosen.visibility != Visibility.VISIBLE.value:
        raise ValidationFailed(_("That answer does not belong to this question."),
                               {"answer_id": _("Choose an answer of this question.")})
    if thread.status == ThreadStatus.CLOSED.value:
        raise ValidationFailed(_("This question is closed."))
    now = clock.now()
    previous = thread.accepted_answer
    newly_chosen = previous is None or previous.id != chosen.id
    if previous is not None and newly_chosen:
        reputation_ledger.answer_unaccepted(thread_id=thread.id, answer_id=previous.id)
    if newly_chosen:
        reputation_ledger.answer_accepted(thread=thread, answer=chosen, accepter_id=actor.id)
    thread.accepted_answer = chosen
    thread.status = ThreadStatus.RESOLVED.value
    thread.resolved_at = now
    thread.needs_staff = False
    thread.resolution_check_at = None
    thread.last_activity_at = now
    timeline.record(thread.id, kind, actor.id, at=now, detail={"answer_id": chosen.id})
    search_outbox.enqueue(thread.id)
    events.announce("answer_accepted", thread_id=thread.id, actor_id=actor.id, answer_id=chosen.id,
                    answer_author_id=chosen.author_id, asker_id=thread.author_id,
                    previous_answer_id=previous.id if previous else None,
                    previous_answer_author_id=previous.author_id if previous else None, via=str(kind))
    db.session.commit()
    return thread


def unaccept(actor: User, thread: Thread) -> Thread:
    policy.can_accept(actor, thread).enforce()
    previous = thread.accepted_answer
    if previous is None:
        raise ValidationFailed(_("No answer is accepted."))
    now = clock.now()
    reputation_ledger.answer_unaccepted(thread_id=thread.id, answer_id=previous.id)
    thread.accepted_answer = None
    thread.status = _open_status(thread)
    thread.resolved_at = None
    thread.last_activity_at = now
    timeline.record(thread.id, EventKind.UNACCEPTED, actor.id, at=now, detail={"answer_id": previous.id})
    search_outbox.enqueue(thread.id)
    events.announce("answer_unaccepted", thread_id=thread.id, actor_id=actor.id, answer_id=previous.id,
                    answer_author_id=previous.author_id, asker_id=thread.author_id)
    db.session.commit()
    return thread
