"""The reputation ledger, badge awards and visit days."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User


class ReputationEvent(db.Model):
    """One change of one user's reputation: the ledger is the truth, `users.reputation` its cache.

    A reversal (un-vote, un-accept, a post deleted by a moderator, a vote by
    a fraudster) is a new row with `reversal_of_id` and the opposite delta;
    the row it undoes gets `reversed_at`. Active rows (neither a reversal nor
    reversed) are what a later reversal may undo. Post ids carry no foreign
    key: the history outlives the posts it names.
    """

    __tablename__ = "reputation_events"
    __table_args__ = (
        Index("ix_reputation_events_user_id_id", "user_id", "id"),
        Index("ix_reputation_events_created_at", "created_at"),
        Index("ix_reputation_events_answer_id", "answer_id"),
        Index("ix_reputation_events_thread_id", "thread_id"),
        Index("ix_reputation_events_actor_id", "actor_id"),
        Index("ix_reputation_events_reversal_of_id", "reversal_of_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: What the row changed the reputation by (the rule's points, limited by the floor).
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))
    thread_id: Mapped[int | None]
    answer_id: Mapped[int | None]
    #: Who caused it: the voter, the accepter.
    actor_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("reputation_events.id", ondelete="SET NULL"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why a reversal happened (unvoted, vote_changed, unaccepted, post_deleted, post_restored, vote_fraud).
    cause: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class BadgeAward(db.Model):
    """A badge held by a user; `post_key` is the post's id for repeatable badges and 0 otherwise."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("user_id", "badge", "post_key", name="uq_badge_awards_user_badge_post"),
        Index("ix_badge_awards_badge_awarded_at", "badge", "awarded_at"),
        Index("ix_badge_awards_user_id_awarded_at", "user_id", "awarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(8))
    post_key: Mapped[int] = mapped_column(default=0)
    thread_id: Mapped[int | None]
    answer_id: Mapped[int | None]
    #: When the criterion was first met (not when a backfill happened to notice).
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class VisitDay(db.Model):
    """A day on which a signed-in member used the site (the Regular badge counts them)."""

    __tablename__ = "visit_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
