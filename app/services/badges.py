"""Awarding badges: one measure per criterion, computed from history, for live awarding and backfill alike.

A measure yields *progress* rows: (user, post, moment, value reached) in
the order things happened. A badge is earned at the first row whose value
reaches its threshold (per post for repeatable badges, the earliest per
user otherwise). Live awarding runs the measures of the badges an event
can move, scoped to the users that event touched, inside the event's
transaction; `backfill` runs every measure over everyone. Both end in
`_award`, which inserts only what is missing, so running either twice
changes nothing and both give the same badges with the same dates.

Staff earn no badges, as they earn no reputation: badges reward customers
helping customers.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from app import clock, events
from app.domain import badges as rules
from app.domain.badges import BADGES, Badge, Measure, Tier
from app.domain.reputation import Reason
from app.extensions import db
from app.models import STAFF_ROLES, Answer, BadgeAward, DomainEvent, ReputationEvent, Thread, ThreadEvent, User, \
    VisitDay, Vote


@dataclass(frozen=True)
class Progress:
    """`user_id` reached `value` of a measure at `at`, through this post."""

    user_id: int
    key: int  # what the value is counted per: the post for per-post measures, else the user
    thread_id: int | None
    answer_id: int | None
    at: datetime
    value: int


# ---------- measures ----------

def _scoped(query, column, user_ids):
    return query if user_ids is None else query.where(column.in_(user_ids))


def _ledger_walk(reasons_up: set[str], reasons_down: set[str], per: str, user_ids, *,
                 answers_only: bool | None = None) -> Iterator[Progress]:
    """Running totals over ledger rows: +1 for an up reason, -1 for a down one, negated for reversals.

    The ledger records every vote and acceptance with its time, including
    ones later withdrawn, so the walk finds the highest value ever reached
    and when, which today's columns alone cannot tell.
    """
    ev = ReputationEvent
    query = select(ev.id, ev.user_id, ev.thread_id, ev.answer_id, ev.created_at, ev.reason, ev.reversal_of_id).where(
        ev.reason.in_(reasons_up | reasons_down))
    if answers_only is True:
        query = query.where(ev.answer_id.is_not(None))
    elif answers_only is False:
        query = query.where(ev.answer_id.is_(None))
    query = _scoped(query, ev.user_id, user_ids).order_by(ev.id)
    totals: dict[int, int] = defaultdict(int)
    for row in db.session.execute(query):
        step = 1 if row.reason in reasons_up else -1
        if row.reversal_of_id is not None:
            step = -step
        key = {"answer": row.answer_id, "thread": row.thread_id, "user": row.user_id}[per]
        totals[key] += step
        yield Progress(row.user_id, key, row.thread_id, row.answer_id, row.created_at, totals[key])


def _nth(rows: Iterable[tuple[int, int | None, int | None, datetime]]) -> Iterator[Progress]:
    """Count events per user in time order: (user, thread, answer, at) rows become running counts."""
    counts: dict[int, int] = defaultdict(int)
    for user_id, thread_id, answer_id, at in sorted(rows, key=lambda row: (row[3], row[0])):
        counts[user_id] += 1
        yield Progress(user_id, user_id, thread_id, answer_id, at, counts[user_id])


def _question_score(user_ids) -> Iterator[Progress]:
    return _ledger_walk({Reason.QUESTION_UPVOTED}, {Reason.DOWNVOTED}, "thread", user_ids, answers_only=False)


def _answer_score(user_ids) -> Iterator[Progress]:
    return _ledger_walk({Reason.ANSWER_UPVOTED}, {Reason.DOWNVOTED}, "answer", user_ids, answers_only=True)


def _accepted_answers(user_ids) -> Iterator[Progress]:
    return _ledger_walk({Reason.ANSWER_ACCEPTED}, set(), "user", user_ids)


def _community_saves(user_ids) -> Iterator[Progress]:
    return _ledger_walk({Reason.COMMUNITY_SAVE}, set(), "user", user_ids)


def _answers_posted(user_ids) -> Iterator[Progress]:
    query = _scoped(select(Answer.author_id, Answer.thread_id, Answer.id, Answer.created_at)
                    .where(Answer.is_staff.is_(False)), Answer.author_id, user_ids)
    return _nth(db.session.execute(query))


def _upvotes_cast(user_ids) -> Iterator[Progress]:
    """Upvotes as the ledger recorded them (withdrawn ones too) plus standing ones on staff posts."""
    ev = ReputationEvent
    ledger = _scoped(select(ev.actor_id, ev.thread_id, ev.answer_id, ev.created_at).where(
        ev.reason.in_([Reason.ANSWER_UPVOTED, Reason.QUESTION_UPVOTED]), ev.reversal_of_id.is_(None),
        ev.cause.is_(None)), ev.actor_id, user_ids)
    standing = _scoped(select(Vote.user_id, func.coalesce(Vote.thread_id, Answer.thread_id), Vote.answer_id,
                              Vote.created_at).outerjoin(Answer, Answer.id == Vote.answer_id)
                       .where(Vote.value == 1), Vote.user_id, user_ids)
    seen, rows = set(), []
    for row in [*db.session.execute(ledger), *db.session.execute(standing)]:
        if (row[0], row[1], row[2]) not in seen:
            seen.add((row[0], row[1], row[2]))
            rows.append(tuple(row))
    return _nth(rows)


def _edits(user_ids) -> Iterator[Progress]:
    query = _scoped(select(ThreadEvent.actor_id, ThreadEvent.thread_id, ThreadEvent.created_at)
                    .where(ThreadEvent.kind == "edited", ThreadEvent.actor_id.is_not(None)),
                    ThreadEvent.actor_id, user_ids)
    return _nth((actor, thread_id, None, at) for actor, thread_id, at in db.session.execute(query))


def upheld_flaggers(payload: dict | None) -> list[int]:
    """Flaggers whose flags a `flag_resolved` event upheld: `flagger_ids` when `upheld` is true."""
    payload = payload or {}
    if not payload.get("upheld"):
        return []
    ids = payload.get("flagger_ids") or []
    return [int(user_id) for user_id in ids if isinstance(user_id, int) and not isinstance(user_id, bool)]


def _upheld_flags(user_ids) -> Iterator[Progress]:
    """From the event log: `flag_resolved` events are the lasting record of upheld flags."""
    wanted = None if user_ids is None else set(user_ids)
    rows = []
    for thread_id, created_at, payload in db.session.execute(
            select(DomainEvent.thread_id, DomainEvent.created_at, DomainEvent.payload)
            .where(DomainEvent.kind == "flag_resolved")):
        payload = payload or {}
        for flagger in upheld_flaggers(payload):
            if wanted is None or flagger in wanted:
                rows.append((flagger, thread_id, payload.get("answer_id"), created_at))
    return _nth(rows)


def _quick_draw(user_ids) -> Iterator[Progress]:
    """Accepted answers that were a thread's first answer from someone else, within 15 minutes of the question."""
    ev = ReputationEvent
    others = Answer.__table__.alias("other")
    first_other = (select(others.c.thread_id, func.min(others.c.id).label("first_id"))
                   .join(Thread, Thread.id == others.c.thread_id)
                   .where(others.c.author_id != Thread.author_id).group_by(others.c.thread_id).subquery())
    query = _scoped(
        select(ev.user_id, ev.thread_id, ev.answer_id, ev.created_at, Answer.created_at, Thread.created_at)
        .join(Answer, Answer.id == ev.answer_id).join(Thread, Thread.id == Answer.thread_id)
        .join(first_other, first_other.c.first_id == Answer.id)
        .where(ev.reason == Reason.ANSWER_ACCEPTED, ev.reversal_of_id.is_(None), ev.cause.is_(None)),
        ev.user_id, user_ids)
    window = timedelta(minutes=rules.QUICK_DRAW_MINUTES)
    return _nth((user_id, thread_id, answer_id, at) for user_id, thread_id, answer_id, at, answered, asked
                in db.session.execute(query) if answered - asked <= window)


def _quick_accepts(user_ids) -> Iterator[Progress]:
    """The asker's own acceptances (+2 rows), within a day of asking."""
    ev = ReputationEvent
    query = _scoped(select(ev.user_id, ev.thread_id, ev.answer_id, ev.created_at, Thread.created_at)
                    .join(Thread, Thread.id == ev.thread_id)
                    .where(ev.reason == Reason.ACCEPTED_OWN, ev.reversal_of_id.is_(None), ev.cause.is_(None)),
                    ev.user_id, user_ids)
    window = timedelta(hours=rules.THANKFUL_HOURS)
    return _nth((user_id, thread_id, answer_id, at) for user_id, thread_id, answer_id, at, asked
                in db.session.execute(query) if at - asked <= window)


def _resolved_views(user_ids) -> Iterator[Progress]:
    """Resolved questions and their views; no view history is kept, so the moment is the resolution."""
    query = _scoped(select(Thread.author_id, Thread.id, Thread.resolved_at, Thread.view_count)
                    .where(Thread.resolved_at.is_not(None), Thread.view_count >= rules.VIEW_MILESTONE),
                    Thread.author_id, user_ids)
    for author_id, thread_id, resolved_at, views in db.session.execute(query):
        yield Progress(author_id, thread_id, thread_id, None, resolved_at, views)


def _visit_days(user_ids) -> Iterator[Progress]:
    query = _scoped(select(VisitDay.user_id, VisitDay.first_seen_at), VisitDay.user_id, user_ids)
    return _nth((user_id, None, None, at) for user_id, at in db.session.execute(query))


MEASURES = {
    Measure.QUESTION_SCORE: _question_score,
    Measure.ANSWER_SCORE: _answer_score,
    Measure.ANSWERS_POSTED: _answers_posted,
    Measure.ACCEPTED_ANSWERS: _accepted_answers,
    Measure.COMMUNITY_SAVES: _community_saves,
    Measure.UPVOTES_CAST: _upvotes_cast,
    Measure.EDITS: _edits,
    Measure.UPHELD_FLAGS: _upheld_flags,
    Measure.QUICK_ACCEPTED_FIRST_ANSWERS: _quick_draw,
    Measure.QUICK_ACCEPTS: _quick_accepts,
    Measure.RESOLVED_QUESTION_VIEWS: _resolved_views,
    Measure.VISIT_DAYS: _visit_days,
}


# ---------- from progress to awards ----------

@dataclass(frozen=True)
class Earned:
    user_id: int
    badge: Badge
    post_key: int
    thread_id: int | None
    answer_id: int | None
    at: datetime


def earned(badge: Badge, progress: Iterable[Progress], staff: set[int]) -> list[Earned]:
    """Where `progress` first reached the badge's threshold: per post if repeatable, else once per user."""
    first_per_key: dict[tuple[int, int], Progress] = {}
    for step in progress:
        if step.value >= badge.threshold and step.user_id not in staff:
            first_per_key.setdefault((step.user_id, step.key), step)
    if badge.repeatable:
        return [Earned(step.user_id, badge, step.key, step.thread_id, step.answer_id, step.at)
                for step in first_per_key.values()]
    first_per_user: dict[int, Progress] = {}
    for step in sorted(first_per_key.values(), key=lambda step: step.at):
        first_per_user.setdefault(step.user_id, step)
    return [Earned(step.user_id, badge, 0, step.thread_id, step.answer_id, step.at)
            for step in first_per_user.values()]


def _staff_ids(user_ids=None) -> set[int]:
    return set(db.session.scalars(_scoped(select(User.id).where(User.role.in_(STAFF_ROLES)), User.id, user_ids)))


def _held(badge_slugs: Iterable[str], user_ids=None) -> set[tuple[int, str, int]]:
    query = _scoped(select(BadgeAward.user_id, BadgeAward.badge, BadgeAward.post_key)
                    .where(BadgeAward.badge.in_(list(badge_slugs))), BadgeAward.user_id, user_ids)
    return set(db.session.execute(query).tuples())


def _award(found: list[Earned], held: set[tuple[int, str, int]]) -> list[Earned]:
    """Insert what is not held yet; a concurrent identical award (two tabs answering at once) is skipped."""
    missing = [item for item in found if (item.user_id, item.badge.slug, item.post_key) not in held]
    if not missing:
        return []
    dialect_insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (dialect_insert(BadgeAward).on_conflict_do_nothing(index_elements=["user_id", "badge", "post_key"])
                 .returning(BadgeAward.user_id, BadgeAward.badge, BadgeAward.post_key))
    inserted = set(db.session.execute(statement, [
        {"user_id": item.user_id, "badge": item.badge.slug, "tier": str(item.badge.tier),
         "post_key": item.post_key, "thread_id": item.thread_id, "answer_id": item.answer_id,
         "awarded_at": item.at} for item in missing]).tuples())
    return [item for item in missing if (item.user_id, item.badge.slug, item.post_key) in inserted]


def refresh_counts(user_ids: Iterable[int] | None = None) -> None:
    """Store each user's gold/silver/bronze counts (shown beside every author name)."""
    values = {
        f"{tier}_badges": select(func.count(BadgeAward.id)).where(
            BadgeAward.user_id == User.id, BadgeAward.tier == str(tier)).scalar_subquery()
        for tier in Tier
    }
    statement = update(User).values(**values)
    if user_ids is not None:
        statement = statement.where(User.id.in_(list(user_ids)))
    db.session.execute(statement)


def evaluate(measures: Iterable[Measure], user_ids: list[int]) -> list[Earned]:
    """Award what `user_ids` have newly earned on `measures`; announce each award (same transaction)."""
    user_ids = sorted({user_id for user_id in user_ids if user_id is not None})
    staff = _staff_ids(user_ids)
    user_ids = [user_id for user_id in user_ids if user_id not in staff]
    if not user_ids:
        return []
    measures = set(measures)
    candidates = [badge for badge in BADGES if badge.measure in measures]
    held = _held([badge.slug for badge in candidates], user_ids)
    new: list[Earned] = []
    for measure in measures:
        badges_here = [badge for badge in candidates if badge.measure == measure and not (
            not badge.repeatable and all((user_id, badge.slug, 0) in held for user_id in user_ids))]
        if not badges_here:
            continue
        progress = list(MEASURES[measure](user_ids))
        for badge in badges_here:
            new += _award(earned(badge, progress, staff), held)
    if new:
        refresh_counts({item.user_id for item in new})
        for item in new:
            events.announce("badge_awarded", thread_id=item.thread_id, user_id=item.user_id, badge=item.badge.slug,
                            tier=str(item.badge.tier), answer_id=item.answer_id)
    return new


def _users_touched(row: DomainEvent) -> list[int]:
    payload = row.payload or {}
    if row.kind == "flag_resolved":
        return upheld_flaggers(payload)
    if row.kind in ("answered", "edited"):
        return [row.actor_id]
    if row.kind == "thread_views_reached":
        return [db.session.scalar(select(Thread.author_id).where(Thread.id == row.thread_id))]
    if row.kind == "answer_accepted":
        return [payload.get("answer_author_id"), row.actor_id, payload.get("asker_id")]
    if row.kind == "voted":
        return [payload.get("author_id"), row.actor_id]
    return [row.user_id, row.actor_id]


TRIGGER_KINDS = sorted({kind for kinds in rules.TRIGGERS.values() for kind in kinds})


@events.within(*TRIGGER_KINDS)
def _on_trigger(row: DomainEvent) -> None:
    """Live awarding: only the measures this kind of event can move, for the users it touched."""
    measures = [measure for measure, kinds in rules.TRIGGERS.items() if row.kind in kinds]
    evaluate(measures, _users_touched(row))


def record_visit(user_id: int) -> bool:
    """Note today's visit once (idempotent); True when it was the first of the day."""
    now = clock.now()
    today = now.date()
    exists = db.session.scalar(select(VisitDay.user_id).where(VisitDay.user_id == user_id, VisitDay.day == today))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(VisitDay(user_id=user_id, day=today, first_seen_at=now))
    except IntegrityError:
        return False
    events.announce("visited", user_id=user_id)
    db.session.commit()
    return True


# ---------- backfill ----------

def backfill(progress=None) -> dict[str, int]:
    """Evaluate every badge over the whole history; award exactly what is missing (quietly: no notifications).

    One pass per measure; `progress(badge)` is called after each badge.
    Returns how many awards each badge gained.
    """
    staff = _staff_ids()
    gained: dict[str, int] = {}
    by_measure: dict[Measure, list[Badge]] = defaultdict(list)
    for badge in BADGES:
        by_measure[badge.measure].append(badge)
    for measure, badges_here in by_measure.items():
        steps = list(MEASURES[measure](None))
        held = _held([badge.slug for badge in badges_here])
        for badge in badges_here:
            gained[badge.slug] = len(_award(earned(badge, steps, staff), held))
            if progress:
                progress(badge)
        db.session.flush()
    refresh_counts()
    db.session.commit()
    return gained
