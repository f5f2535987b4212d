"""Keeping each member's stored trust level true (rules in app.domain.trust).

A level is recomputed for one user when something that can change it
happens (they post, a flag of theirs is resolved, they are sanctioned or a
sanction is lifted) and for everyone by `flask trust recompute`, which is
idempotent: it writes only levels that changed. A level staff locked is
never recomputed.
"""
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, union_all

from app import clock, policy
from app.domain.trust import Activity, Thresholds, TrustLevel, computed_level
from app.extensions import db
from app.models import Answer, AuditEntry, Thread, User, Visibility
from app.services.errors import ValidationFailed

RECOMPUTE_CHUNK = 500


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


def _level_for(user: User, posts: int) -> int:
    activity = Activity(joined_at=user.created_at, posts=posts, reputation=user.reputation,
                        flags_upheld=user.flags_upheld, flags_dismissed=user.flags_dismissed,
                        last_sanction_at=user.last_sanction_at)
    return int(computed_level(activity, clock.now(), thresholds()))


def recompute(user: User) -> int:
    """Store the user's current level in the caller's transaction; the caller commits."""
    if user.trust_level_locked:
        return user.trust_level
    level = _level_for(user, _post_counts([user.id]).get(user.id, 0))
    if level != user.trust_level:
        user.trust_level = level
    return level


def recompute_users(user_ids: list[int]) -> None:
    """Recompute several users in two queries (after a flag resolution, for its flaggers)."""
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids), User.trust_level_locked.is_(False))))
    counts = _post_counts([user.id for user in users]) if users else {}
    for user in users:
        user.trust_level = _level_for(user, counts.get(user.id, 0))


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
