"""Writing the ledger for history made before it existed (`flask reputation import-history`).

Installations that ran the bare reputation counter have votes and accepted
answers but no ledger rows. This derives the rows those would have written
(same rules, same floor, in time order) for every vote and acceptance that
has no ledger row yet, so running it twice writes nothing the second time,
and then sets the cached figures to the ledger's sums.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, insert, select, update

from app.domain import reputation
from app.domain.reputation import Effect
from app.extensions import db
from app.models import STAFF_ROLES, Answer, ReputationEvent, Thread, ThreadEvent, User, Vote
from app.services.reputation_ledger import ledger_sums, points_table

INSERT_BATCH = 5000
VOTE_REASONS = [str(reason) for reason in reputation.VOTE_REASONS]
ACCEPT_REASONS = [str(reason) for reason in reputation.ACCEPT_REASONS]


@dataclass(frozen=True)
class _Cause:
    at: datetime
    order: int
    effects: list[Effect]
    thread_id: int
    answer_id: int | None
    actor_id: int


def _unrecorded_votes():
    ev = ReputationEvent
    recorded = exists().where(ev.actor_id == Vote.user_id, ev.reason.in_(VOTE_REASONS),
                              ev.reversal_of_id.is_(None),
                              ((Vote.answer_id.is_not(None)) & (ev.answer_id == Vote.answer_id))
                              | ((Vote.thread_id.is_not(None)) & (ev.thread_id == Vote.thread_id)
                                 & ev.answer_id.is_(None)))
    author = User.__table__.alias("author")
    return (select(Vote.id, Vote.user_id, Vote.value, Vote.created_at, Vote.answer_id,
                   func.coalesce(Vote.thread_id, Answer.thread_id).label("thread_id"),
                   func.coalesce(Answer.author_id, Thread.author_id).label("author_id"),
                   func.coalesce(Answer.is_staff, False).label("answer_is_staff"), author.c.role)
            .outerjoin(Answer, Answer.id == Vote.answer_id)
            .outerjoin(Thread, Thread.id == Vote.thread_id)
            .join(author, author.c.id == func.coalesce(Answer.author_id, Thread.author_id))
            .where(~recorded))


def _unrecorded_acceptances():
    ev = ReputationEvent
    recorded = exists().where(ev.answer_id == Thread.accepted_answer_id, ev.reason.in_(ACCEPT_REASONS),
                              ev.reversal_of_id.is_(None))
    return (select(Thread.id, Thread.author_id, Thread.resolved_at, Thread.created_at, Thread.escalated_at,
                   Answer.id.label("answer_id"), Answer.author_id.label("answer_author_id"), Answer.is_staff)
            .join(Answer, Answer.id == Thread.accepted_answer_id).where(~recorded))


def pending_count() -> int:
    votes = db.session.scalar(select(func.count()).select_from(_unrecorded_votes().subquery())) or 0
    accepts = db.session.scalar(select(func.count()).select_from(_unrecorded_acceptances().subquery())) or 0
    return votes + accepts


def _causes(progress=None) -> list[_Cause]:
    causes: list[_Cause] = []
    for row in db.session.execute(_unrecorded_votes()):
        effects = reputation.vote_effects(row.value, on_answer=row.answer_id is not None, author_id=row.author_id,
                                          voter_id=row.user_id,
                                          author_is_staff=bool(row.answer_is_staff) or row.role in STAFF_ROLES)
        causes.append(_Cause(row.created_at, row.id, effects, row.thread_id, row.answer_id, row.user_id))
        if progress:
            progress(1)
    acceptances = db.session.execute(_unrecorded_acceptances()).all()
    thread_ids = [row.id for row in acceptances]
    escalated, accepters = set(), {}
    for start in range(0, len(thread_ids), INSERT_BATCH):
        chunk = thread_ids[start:start + INSERT_BATCH]
        escalated |= set(db.session.scalars(select(ThreadEvent.thread_id).where(
            ThreadEvent.thread_id.in_(chunk), ThreadEvent.kind == "escalated")))
        for thread_id, actor_id, at in db.session.execute(
                select(ThreadEvent.thread_id, ThreadEvent.actor_id, ThreadEvent.created_at)
                .where(ThreadEvent.thread_id.in_(chunk),
                       ThreadEvent.kind.in_(["accepted", "resolution_confirmed"]))
                .order_by(ThreadEvent.id)):
            accepters[thread_id] = (actor_id, at)
    for row in acceptances:
        actor_id, at = accepters.get(row.id, (row.author_id, row.resolved_at or row.created_at))
        effects = reputation.accept_effects(
            answer_author_id=row.answer_author_id, answer_is_staff=row.is_staff, asker_id=row.author_id,
            accepter_id=actor_id or row.author_id,
            community_save=row.escalated_at is None and row.id not in escalated)
        causes.append(_Cause(at, row.answer_id, effects, row.id, row.answer_id, actor_id or row.author_id))
        if progress:
            progress(1)
    causes.sort(key=lambda cause: (cause.at, cause.order))
    return causes


def import_history(progress=None) -> int:
    """Derive and write the missing rows in time order; return how many were written."""
    causes = _causes(progress)
    users = {row.id: row.role in STAFF_ROLES for row in db.session.execute(select(User.id, User.role))}
    current = defaultdict(lambda: reputation.STARTING_REPUTATION)
    current.update({user_id: reputation.STARTING_REPUTATION + total for user_id, total in ledger_sums().items()})
    table, rows = points_table(), []
    for cause in causes:
        for effect in cause.effects:
            if users.get(effect.user_id, True):
                continue
            delta = reputation.floored_delta(current[effect.user_id], table[effect.reason])
            current[effect.user_id] += delta
            rows.append({"user_id": effect.user_id, "delta": delta, "reason": str(effect.reason),
                         "thread_id": cause.thread_id, "answer_id": cause.answer_id, "actor_id": cause.actor_id,
                         "created_at": cause.at})
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(insert(ReputationEvent), rows[start:start + INSERT_BATCH])
    touched = sorted({row["user_id"] for row in rows})
    for start in range(0, len(touched), INSERT_BATCH):
        chunk = touched[start:start + INSERT_BATCH]
        db.session.execute(update(User).where(User.id.in_(chunk)).values(
            reputation=reputation.STARTING_REPUTATION + select(func.coalesce(func.sum(ReputationEvent.delta), 0))
            .where(ReputationEvent.user_id == User.id).scalar_subquery()))
    db.session.commit()
    return len(rows)
