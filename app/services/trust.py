"""Keeping each member's stored trust level true (rules in app.domain.trust).

Incrementally, for the users an event names, inside the transaction that
changed them: a post written, approved, hidden, deleted or restored (its
author), any reputation change (every user a new ledger row names: votes,
acceptances, reversals, vote fraud), a flag or user report resolved (the
flaggers and reporters, whose accuracy moved) and a sanction (the member).
The events mark users as they are announced (`events.within`), new ledger
rows mark theirs at each flush, and just before the transaction commits
each marked user is recomputed once, so the level commits or rolls back
with its cause.

It is kept cheap: the level is the lower of what age, reputation, flags and
sanctions allow and what the number of posts allows (app.domain.trust), so
when no post was removed and the first part does not exceed the stored
level, the new level is that part and no post is counted; otherwise the
count stops at the largest post threshold (20 index rows at most). Marked
users are usually in the session already. That rests on the stored level
being true before the change; `flask trust recompute` (idempotent, writes
only levels that changed) recomputes everyone in full, e.g. after
TRUST_THRESHOLDS changed. A level staff locked is never recomputed.
"""
from collections.abc import Callable, Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from app import clock, events, policy
from app.domain.trust import (
    Activity,
    Thresholds,
    TrustLevel,
    computed_level,
    level_before_posts,
    level_posts_allow,
    posts_that_matter,
)
from app.extensions import db
from app.models import Answer, AuditEntry, ReputationEvent, Thread, User, Visibility
from app.services.errors import ValidationFailed

RECOMPUTE_CHUNK = 500
LEVEL_LABELS = {TrustLevel.NEW: _l("New member"), TrustLevel.BASIC: _l("Basic member"),
                TrustLevel.MEMBER: _l("Member"), TrustLevel.LEADER: _l("Leader")}


def thresholds() -> Thresholds:
    return Thresholds.from_config(current_app.config.get("TRUST_THRESHOLDS"))


def _post_counts(user_ids: list[int]) -> dict[int, int]:
    """Visible posts written by each user, in one query."""
    posts = union_all(
        select(Thread.author_id.label("user_id")).where(Thread.author_id.in_(user_ids),
                                                        Thread.visibility == Visibility.VISIBLE.value),
        select(Answer.author_id.label("user_id")).where(Answer.author_id.in_(user_ids),
                                                        Answer.visibility == Visibility.VISIBLE.value),
    ).subquery()
    rows = db.session.execute(select(posts.c.user_id, func.count()).group_by(posts.c.user_id))
    return {user_id: count for user_id, count in rows}


def _activity(user: User, posts: int) -> Activity:
    return Activity(joined_at=user.created_at, posts=posts, reputation=user.reputation,
                    flags_upheld=user.flags_upheld, flags_dismissed=user.flags_dismissed,
                    last_sanction_at=user.last_sanction_at)


def _level_for(user: User, posts: int) -> int:
    return int(computed_level(_activity(user, posts), clock.now(), thresholds()))


def _posts_up_to(user_id: int, cap: int) -> int:
    """The user's visible posts, counted no further than `cap` (one statement, at most 2 × cap index rows)."""
    def counted(model):
        few = select(model.id).where(model.author_id == user_id, model.visibility == Visibility.VISIBLE.value) \
            .limit(cap).subquery()
        return select(func.count()).select_from(few).scalar_subquery()

    return db.session.scalar(select(counted(Thread) + counted(Answer)))


def recompute(user: User, posts_may_have_dropped: bool = True) -> int:
    """Store the user's current level in the caller's transaction; the caller commits.

    Counts posts only when the level could depend on them (see the module's docstring).
    """
    if user.trust_level_locked:
        return user.trust_level
    rules = thresholds()
    ceiling = level_before_posts(_activity(user, 0), clock.now(), rules)
    if posts_may_have_dropped or ceiling > user.trust_level:
        level = int(min(ceiling, level_posts_allow(_posts_up_to(user.id, posts_that_matter(rules)), rules)))
    else:
        level = int(ceiling)
    if level != user.trust_level:
        user.trust_level = level
    return level


# --- the events that can change a level ------------------------------------------------------------

_MARKED = "peerdesk_trust_marked"


def mark(user_ids: Iterable[int | None], posts_may_have_dropped: bool = False) -> None:
    """Recompute these users just before the current transaction commits."""
    marked = db.session.info.setdefault(_MARKED, {})
    for user_id in user_ids:
        if user_id is not None:
            marked[user_id] = marked.get(user_id, False) or posts_may_have_dropped


@events.within("asked", "answered")
def _on_post_written(row) -> None:
    mark([row.actor_id])


@events.within("post_approved", "post_restored")
def _on_post_shown(row) -> None:
    mark([row.user_id])


@events.within("post_hidden", "post_deleted")
def _on_post_removed(row) -> None:
    mark([row.user_id], posts_may_have_dropped=True)


@events.within("user_sanctioned")
def _on_sanctioned(row) -> None:
    mark([row.user_id])


@events.within("flag_resolved", "user_report_resolved")
def _on_flags_resolved(row) -> None:
    payload = row.payload or {}
    mark(payload.get("flagger_ids", []) + payload.get("reporter_ids", []))


def _on_flush(session: Session, _context) -> None:
    """New reputation ledger rows, whatever wrote them, name the users whose reputation moved."""
    moved = [row.user_id for row in session.new if isinstance(row, ReputationEvent)]
    if moved:
        marked = session.info.setdefault(_MARKED, {})
        for user_id in moved:
            marked.setdefault(user_id, False)


def _before_commit(session: Session) -> None:
    """Recompute every marked user once, inside the outermost transaction (not at a savepoint's release).

    The marked users are read again first (one query): counters such as flag accuracy are raised with
    bulk UPDATEs that the loaded objects do not see.
    """
    if session.in_nested_transaction():
        return
    if not session.info.get(_MARKED) and not any(isinstance(row, ReputationEvent) for row in session.new):
        return
    session.flush()
    marked = session.info.pop(_MARKED, {})
    if not marked:
        return
    users = session.scalars(select(User).where(User.id.in_(marked)).order_by(User.id)
                            .execution_options(populate_existing=True))
    for user in users:
        recompute(user, posts_may_have_dropped=marked[user.id])


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_MARKED, None)


def install() -> None:
    """Hook the session lifecycle once per process (idempotent), like app.events.install."""
    if not sa_event.contains(Session, "before_commit", _before_commit):
        sa_event.listen(Session, "after_flush", _on_flush)
        sa_event.listen(Session, "before_commit", _before_commit)
        sa_event.listen(Session, "after_transaction_end", _after_transaction_end)


install()


def recompute_all(progress: Callable[[int], None] = lambda _n: None) -> int:
    """Recompute every unlocked member in chunks by id; returns how many levels changed."""
    changed, last_id = 0, 0
    while True:
        users = list(db.session.scalars(select(User).where(User.id > last_id, User.trust_level_locked.is_(False))
                                        .order_by(User.id).limit(RECOMPUTE_CHUNK)))
        if not users:
            return changed
        counts = _post_counts([user.id for user in users])
        for user in users:
            level = _level_for(user, counts.get(user.id, 0))
            if level != user.trust_level:
                user.trust_level = level
                changed += 1
        db.session.commit()
        last_id = users[-1].id
        progress(len(users))


def unlocked_count() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.trust_level_locked.is_(False))) or 0


def lock_level(actor: User, member: User, level: int | None) -> User:
    """Staff pin a member's level (None unlocks it and recomputes); audited."""
    policy.can_lock_trust_level(actor).enforce()
    if level is not None and level not in {int(value) for value in TrustLevel}:
        raise ValidationFailed(_("Please correct the marked fields."), {"level": _("Use a level from 0 to 3.")})
    before = {"trust_level": member.trust_level, "locked": member.trust_level_locked}
    if level is None:
        member.trust_level_locked = False
        recompute(member)
    else:
        member.trust_level, member.trust_level_locked = level, True
    db.session.add(AuditEntry(actor_id=actor.id, action="trust_level_locked" if level is not None
                              else "trust_level_unlocked", target_user_id=member.id, before=before,
                              after={"trust_level": member.trust_level, "locked": member.trust_level_locked},
                              created_at=clock.now()))
    db.session.commit()
    return member
