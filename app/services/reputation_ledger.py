"""The reputation ledger: every change of reputation is a row, written in its cause's transaction.

`users.reputation` is a cache of STARTING_REPUTATION plus the sum of a
user's rows; `recompute` rebuilds it. Each row stores the delta actually
applied (the rule's points limited by the floor), so reversing a row gives
back exactly what it took, and the cache never drifts from the sum.

Users are locked (in id order, so two writers never deadlock) before their
figure is read, which makes concurrent votes on one author exact on
PostgreSQL; SQLite serialises writers anyway.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from app import clock, events
from app.domain import reputation
from app.domain.reputation import Effect, Reason
from app.extensions import db
from app.models import STAFF_ROLES, ReputationEvent, Thread, ThreadEvent, User, Vote


def points_table() -> dict[str, int]:
    """The rules in force: defaults plus REPUTATION_POINTS from the configuration."""
    return reputation.points_table(current_app.config.get("REPUTATION_POINTS"))


class _LockedUsers:
    """Current reputation of the users a change touches, locked until the commit.

    The lock is PostgreSQL's FOR NO KEY UPDATE (only `reputation` changes), which
    does not wait for the key-share locks that inserting a vote or a post takes
    on its author's row: with FOR UPDATE, two members voting for each other at
    the same moment each held what the other wanted, a deadlock.
    """

    def __init__(self, user_ids: Iterable[int]):
        ids = sorted(set(user_ids))
        rows = db.session.execute(
            select(User.id, User.reputation, User.role).where(User.id.in_(ids)).order_by(User.id)
            .with_for_update(key_share=True)
        ).all() if ids else []
        self.reputation = {row.id: row.reputation for row in rows}
        self.staff = {row.id for row in rows if row.role in STAFF_ROLES}

    def apply(self, user_id: int, wanted: int) -> int:
        delta = reputation.floored_delta(self.reputation[user_id], wanted)
        self.reputation[user_id] += delta
        return delta

    def save(self, changed: Iterable[int]) -> None:
        for user_id in set(changed):
            db.session.execute(update(User).where(User.id == user_id).values(reputation=self.reputation[user_id]))


@dataclass(frozen=True)
class Source:
    """The post and person that caused a change."""

    thread_id: int | None = None
    answer_id: int | None = None
    actor_id: int | None = None


def record(effects: Iterable[Effect], source: Source) -> list[ReputationEvent]:
    """Write one row per effect and update the cached figures; staff earn nothing.

    Rows are written even when the floor makes their delta 0, so the history
    (and the badges counted from it) knows the vote or acceptance happened.
    The actor's row is locked with the others, in the same id order, although
    an upvote does not change their reputation: their badge counts and trust
    level are written later in this transaction, and taking that row then,
    after the author's, deadlocked two members voting for each other.
    """
    effects = list(effects)
    if not effects:
        return []
    locked = _LockedUsers([effect.user_id for effect in effects] + ([source.actor_id] if source.actor_id else []))
    table, now, rows = points_table(), clock.now(), []
    for effect in effects:
        if effect.user_id in locked.staff or effect.user_id not in locked.reputation:
            continue
        row = ReputationEvent(user_id=effect.user_id, reason=str(effect.reason),
                              delta=locked.apply(effect.user_id, table[effect.reason]),
                              thread_id=source.thread_id, answer_id=source.answer_id, actor_id=source.actor_id,
                              created_at=now)
        db.session.add(row)
        rows.append(row)
    locked.save(row.user_id for row in rows)
    return rows


def active_rows(*conditions) -> list[ReputationEvent]:
    """Rows that count now (neither reversals nor reversed) matching `conditions`, locked."""
    return list(db.session.scalars(
        select(ReputationEvent).where(ReputationEvent.reversal_of_id.is_(None), ReputationEvent.reversed_at.is_(None),
                                      *conditions)
        .order_by(ReputationEvent.id).with_for_update()))


def reverse(rows: list[ReputationEvent], cause: str) -> list[ReputationEvent]:
    """Undo `rows` exactly: each gets an opposite row (limited only by the floor) and is marked reversed."""
    if not rows:
        return []
    locked = _LockedUsers(row.user_id for row in rows)
    now, reversals = clock.now(), []
    for row in rows:
        reversal = ReputationEvent(user_id=row.user_id, reason=row.reason,
                                   delta=locked.apply(row.user_id, -row.delta) if row.user_id in locked.reputation
                                   else -row.delta,
                                   thread_id=row.thread_id, answer_id=row.answer_id, actor_id=row.actor_id,
                                   created_at=now, reversal_of_id=row.id, cause=cause)
        row.reversed_at = now
        db.session.add(reversal)
        reversals.append(reversal)
    locked.save(row.user_id for row in rows if row.user_id in locked.reputation)
    return reversals


def reapply(reversals: list[ReputationEvent], cause: str) -> list[ReputationEvent]:
    """Put back what `reversals` undid (a restored post): fresh active copies of the originals."""
    if not reversals:
        return []
    originals = {row.id: row for row in db.session.scalars(select(ReputationEvent).where(
        ReputationEvent.id.in_([reversal.reversal_of_id for reversal in reversals])))}
    locked = _LockedUsers(reversal.user_id for reversal in reversals)
    now, copies = clock.now(), []
    for reversal in reversals:
        original = originals.get(reversal.reversal_of_id)
        if original is None or reversal.user_id not in locked.reputation:
            continue
        reversal.reversed_at = now
        copy = ReputationEvent(user_id=original.user_id, reason=original.reason,
                               delta=locked.apply(original.user_id, original.delta),
                               thread_id=original.thread_id, answer_id=original.answer_id,
                               actor_id=original.actor_id, created_at=now, cause=cause)
        db.session.add(copy)
        copies.append(copy)
    locked.save(copy.user_id for copy in copies)
    return copies


# ---------- the causes ----------

def _post_conditions(thread_id: int, answer_id: int | None) -> list:
    if answer_id is None:
        return [ReputationEvent.thread_id == thread_id, ReputationEvent.answer_id.is_(None)]
    return [ReputationEvent.answer_id == answer_id]


def vote_changed(*, voter_id: int, author_id: int, author_is_staff: bool, thread_id: int,
                 answer_id: int | None, old: int, new: int) -> None:
    """A vote went from `old` to `new` (-1, 0, 1): reverse the old vote's rows, write the new one's."""
    if old == new:
        return
    if old:
        reverse(active_rows(ReputationEvent.actor_id == voter_id,
                            ReputationEvent.reason.in_([str(r) for r in reputation.VOTE_REASONS]),
                            *_post_conditions(thread_id, answer_id)),
                "unvoted" if new == 0 else "vote_changed")
    if new:
        effects = reputation.vote_effects(new, on_answer=answer_id is not None, author_id=author_id,
                                          voter_id=voter_id, author_is_staff=author_is_staff)
        record(effects, Source(thread_id=thread_id, answer_id=answer_id, actor_id=voter_id))


def thread_ever_escalated(thread) -> bool:
    """Whether staff were ever called in: the column now, or an escalation in the timeline."""
    if thread.escalated_at is not None:
        return True
    return db.session.scalar(select(ThreadEvent.id).where(
        ThreadEvent.thread_id == thread.id, ThreadEvent.kind == "escalated").limit(1)) is not None


def answer_accepted(*, thread, answer, accepter_id: int) -> list[ReputationEvent]:
    effects = reputation.accept_effects(
        answer_author_id=answer.author_id, answer_is_staff=answer.is_staff, asker_id=thread.author_id,
        accepter_id=accepter_id, community_save=not thread_ever_escalated(thread))
    return record(effects, Source(thread_id=thread.id, answer_id=answer.id, actor_id=accepter_id))


def answer_unaccepted(*, thread_id: int, answer_id: int) -> None:
    reverse(active_rows(ReputationEvent.answer_id == answer_id,
                        ReputationEvent.reason.in_([str(r) for r in reputation.ACCEPT_REASONS])), "unaccepted")


# ---------- moderators' actions, heard as announced events in their transaction ----------

def _post_of(row) -> tuple[int | None, int | None]:
    payload = row.payload or {}
    return row.thread_id or payload.get("thread_id"), payload.get("answer_id")


@events.within("post_deleted")
def _on_post_deleted(row) -> None:
    """A moderator removed a post: everything it earned or cost anyone is reversed.

    A deleted answer takes its votes, acceptance and the voters' downvote
    costs with it; a deleted question takes its whole thread.
    """
    thread_id, answer_id = _post_of(row)
    if answer_id is not None:
        conditions = [ReputationEvent.answer_id == answer_id]
    elif thread_id is not None:
        conditions = [ReputationEvent.thread_id == thread_id]
    else:
        return
    reverse(active_rows(*conditions), "post_deleted")


@events.within("post_restored")
def _on_post_restored(row) -> None:
    """Undo the deletion's reversals exactly (and only those), for causes that still stand.

    A vote withdrawn or an acceptance moved while the post was away stays
    undone: only a vote still cast the same way and an answer still
    accepted earn again.
    """
    thread_id, answer_id = _post_of(row)
    if answer_id is not None:
        post = ReputationEvent.answer_id == answer_id
    elif thread_id is not None:
        post = ReputationEvent.thread_id == thread_id
    else:
        return
    reversals = list(db.session.scalars(select(ReputationEvent).where(
        post, ReputationEvent.cause == "post_deleted", ReputationEvent.reversal_of_id.is_not(None),
        ReputationEvent.reversed_at.is_(None)).order_by(ReputationEvent.id).with_for_update()))
    reapply([reversal for reversal in reversals if _still_stands(reversal)], "post_restored")


_VOTE_SIGN = {str(Reason.ANSWER_UPVOTED): 1, str(Reason.QUESTION_UPVOTED): 1, str(Reason.DOWNVOTED): -1,
              str(Reason.DOWNVOTE_CAST): -1}


def _still_stands(reversal: ReputationEvent) -> bool:
    if reversal.reason in _VOTE_SIGN:
        target = (Vote.answer_id == reversal.answer_id if reversal.answer_id is not None
                  else Vote.thread_id == reversal.thread_id)
        value = db.session.scalar(select(Vote.value).where(Vote.user_id == reversal.actor_id, target))
        return value == _VOTE_SIGN[reversal.reason]
    accepted = db.session.scalar(select(Thread.accepted_answer_id).where(Thread.id == reversal.thread_id))
    return accepted is not None and accepted == reversal.answer_id


@events.within("user_sanctioned")
def _on_user_sanctioned(row) -> None:
    """A ban for vote fraud takes back what every vote of that user gave or cost."""
    payload = row.payload or {}
    if not payload.get("vote_fraud") or row.user_id is None:
        return
    reverse(active_rows(ReputationEvent.actor_id == row.user_id,
                        ReputationEvent.reason.in_([str(r) for r in reputation.VOTE_REASONS])), "vote_fraud")


# ---------- reading and repairing ----------

@dataclass(frozen=True)
class Mismatch:
    user_id: int
    username: str
    stored: int
    ledger: int


def ledger_sums(user_ids: list[int] | None = None) -> dict[int, int]:
    query = select(ReputationEvent.user_id, func.sum(ReputationEvent.delta)).group_by(ReputationEvent.user_id)
    if user_ids is not None:
        query = query.where(ReputationEvent.user_id.in_(user_ids))
    return {user_id: int(total or 0) for user_id, total in db.session.execute(query)}


def recompute(batch_size: int = 2000, progress=None) -> list[Mismatch]:
    """Set every user's figure to the ledger's, batch by batch; return who differed.

    One grouped sum per batch of users, one UPDATE per differing user;
    `progress(n)` is told how many users each batch covered.
    """
    mismatches: list[Mismatch] = []
    last_id = 0
    while True:
        users = db.session.execute(select(User.id, User.username, User.reputation).where(User.id > last_id)
                                   .order_by(User.id).limit(batch_size)).all()
        if not users:
            break
        sums = ledger_sums([user.id for user in users])
        for user in users:
            expected = reputation.STARTING_REPUTATION + sums.get(user.id, 0)
            if user.reputation != expected:
                mismatches.append(Mismatch(user.id, user.username, user.reputation, expected))
                db.session.execute(update(User).where(User.id == user.id, User.reputation == user.reputation)
                                   .values(reputation=expected))
        db.session.commit()
        last_id = users[-1].id
        if progress:
            progress(len(users))
    return mismatches


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0

