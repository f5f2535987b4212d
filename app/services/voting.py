"""Votes on questions and answers: one per user per post, changeable, never on your own."""
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import policy
from app.domain import reputation
from app.extensions import db
from app.models import Answer, Thread, User, Vote
from app.realtime import emitter
from app.services import search_outbox
from app.services.errors import Conflict, ValidationFailed


def _apply(voter: User, target, value, on_answer: bool) -> int:
    if value not in (-1, 0, 1) or isinstance(value, bool):
        raise ValidationFailed(_("A vote is 1, -1 or 0 (to withdraw it)."), {"value": _("Use 1, -1 or 0.")})
    policy.can_vote(voter, target).enforce()
    column = Vote.answer_id if on_answer else Vote.thread_id
    vote = db.session.scalar(select(Vote).where(Vote.user_id == voter.id, column == target.id).with_for_update())
    old = vote.value if vote else 0
    if old == value:
        return target.score
    if vote is None:
        vote = Vote(user_id=voter.id, value=value, **({"answer_id": target.id} if on_answer else {"thread_id": target.id}))
        db.session.add(vote)
    elif value == 0:
        db.session.delete(vote)
    else:
        vote.value = value
    model = Answer if on_answer else Thread
    db.session.execute(update(model).where(model.id == target.id).values(score=model.score + value - old))
    points = reputation.vote_points(value, on_answer) - reputation.vote_points(old, on_answer)
    if points:
        db.session.execute(update(User).where(User.id == target.author_id)
                           .values(reputation=User.reputation + points))
    thread_id = target.thread_id if on_answer else target.id
    search_outbox.enqueue(thread_id)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("Your vote was counted already; reload the page.")) from error
    db.session.refresh(target)
    emitter.thread_changed(thread_id, "voted")
    return target.score


def vote_thread(voter: User, thread: Thread, value) -> int:
    return _apply(voter, thread, value, on_answer=False)


def vote_answer(voter: User, post: Answer, value) -> int:
    return _apply(voter, post, value, on_answer=True)
