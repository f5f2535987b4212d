"""Votes on questions and answers: one per user per post, changeable, never on your own.

Two requests from the same voter may arrive at once (a double click, a
retrying client). Every write is therefore conditional on the vote it read:
the insert relies on the unique (user, post) constraint (and is the
transaction's first write, so a refused insert loses nothing), the change and the
withdrawal on `WHERE value = <what was read>`. A write that finds the vote
changed under it rolls back and starts again from a fresh read, so the score
and the author's reputation move exactly once per real change, on SQLite and
PostgreSQL alike, whatever isolation the database gives.

The vote, the post's score, the reputation ledger rows and the `voted`
event are one transaction: a vote never exists without its reputation, and
withdrawing or changing it reverses exactly the rows it wrote.
"""
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app import events, policy
from app.extensions import db
from app.models import Answer, Thread, User, Vote
from app.services import reputation_ledger, search_outbox
from app.services.errors import Conflict, ValidationFailed

#: Fresh reads a vote gets when others change it at the same moment, before it answers 409.
ATTEMPTS = 5


class _VoteMoved(Exception):
    """The vote row changed between our read and our conditional write."""


def _record(voter: User, target, value: int, on_answer: bool) -> int:
    """Write the vote change (not committed); return the old value, or raise _VoteMoved."""
    column = Vote.answer_id if on_answer else Vote.thread_id
    mine = (Vote.user_id == voter.id, column == target.id)
    with db.session.no_autoflush:
        old = db.session.scalar(select(Vote.value).where(*mine)) or 0
    if old == value:
        return old
    if old == 0:
        db.session.add(Vote(user_id=voter.id, value=value,
                            **({"answer_id": target.id} if on_answer else {"thread_id": target.id})))
        try:
            db.session.flush()
        except IntegrityError as error:
            raise _VoteMoved from error
    else:
        statement = (delete(Vote) if value == 0 else update(Vote).values(value=value)).where(*mine, Vote.value == old)
        if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
            raise _VoteMoved
    model = Answer if on_answer else Thread
    db.session.execute(update(model).where(model.id == target.id).values(score=model.score + value - old)
                       .execution_options(synchronize_session=False))
    thread_id = target.thread_id if on_answer else target.id
    reputation_ledger.vote_changed(voter_id=voter.id, author_id=target.author_id,
                                   author_is_staff=bool(on_answer and target.is_staff), thread_id=thread_id,
                                   answer_id=target.id if on_answer else None, old=old, new=value)
    search_outbox.enqueue(thread_id)
    events.announce("voted", thread_id=thread_id, actor_id=voter.id, answer_id=target.id if on_answer else None,
                    author_id=target.author_id, value=value, previous=old)
    return old


def _apply(voter: User, target, value, on_answer: bool) -> int:
    policy.can_vote(voter, target).enforce()
    if value not in (-1, 0, 1) or isinstance(value, bool):
        raise ValidationFailed(_("A vote is 1, -1 or 0 (to withdraw it)."), {"value": _("Use 1, -1 or 0.")})
    for _attempt in range(ATTEMPTS):
        try:
            old = _record(voter, target, value, on_answer)
            db.session.commit()
        except (_VoteMoved, IntegrityError):
            db.session.rollback()
            continue
        db.session.refresh(target)
        return target.score
    raise Conflict(_("Your vote changed in another window at the same time; reload the page."))


def vote_thread(voter: User, thread: Thread, value) -> int:
    return _apply(voter, thread, value, on_answer=False)


def vote_answer(voter: User, post: Answer, value) -> int:
    return _apply(voter, post, value, on_answer=True)
