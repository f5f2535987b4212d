"""Moderation: flags, the review queue, sanctions, the audit log, watched words and house rules."""
import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User


class FlagReason(str, enum.Enum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    NEEDS_STAFF = "needs_staff"
    OTHER = "other"


class ReviewKind(str, enum.Enum):
    FLAGGED = "flagged"
    HELD = "held"
    USER_REPORT = "user_report"


class SanctionKind(str, enum.Enum):
    WARN = "warn"
    SILENCE = "silence"
    SUSPEND = "suspend"
    BAN = "ban"


class WatchedWordMode(str, enum.Enum):
    BLOCK = "block"
    HOLD = "hold"
    FLAG = "flag"


def post_key(thread_id: int | None, answer_id: int | None) -> str:
    """One string per post ("t:12", "a:34"): the review queue's unit."""
    return f"a:{answer_id}" if answer_id else f"t:{thread_id}"


class ReviewItem(db.Model):
    """One open item per post (or reported user) in the moderators' queue.

    `open_key` holds the post key while the item is open and NULL once it is
    resolved: the unique index on it lets twenty concurrent flaggers create
    exactly one open item, on SQLite and PostgreSQL alike, while closed items
    of the same post stay as history.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_status_created", "status", "created_at", "id"),
        Index("ix_review_items_thread_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    open_key: Mapped[str | None] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    flag_weight: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(16))
    # Why the item exists when no member flagged it (watched words, an author's edit after hiding).
    note: Mapped[str | None] = mapped_column(String(300))

    flags: Mapped[list["Flag"]] = relationship(back_populates="review_item", order_by="Flag.id")
    reports: Mapped[list["UserReport"]] = relationship(back_populates="review_item", order_by="UserReport.id")
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])


def user_key(user_id: int) -> str:
    """The open review item of reports on one member ("u:7")."""
    return f"u:{user_id}"


class UserReportReason(str, enum.Enum):
    SPAM = "spam"
    ABUSE = "abuse"
    IMPERSONATION = "impersonation"
    OTHER = "other"


class Flag(db.Model):
    """One member's flag on one post; weighs by the flagger's trust level when cast."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_flags_user_thread"),
        UniqueConstraint("user_id", "answer_id", name="uq_flags_user_answer"),
        CheckConstraint("(thread_id IS NULL) <> (answer_id IS NULL)", name="one_target"),
        Index("ix_flags_review_item_id", "review_item_id"),
        Index("ix_flags_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    review_item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500), default="")
    weight: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # None while open; True when a moderator acted on it, False when dismissed.
    upheld: Mapped[bool | None]

    user: Mapped[User] = relationship()
    review_item: Mapped[ReviewItem] = relationship(back_populates="flags")


class UserReport(db.Model):
    """One member's report on another member; all open reports on a member share one review item.

    One report per reporter and open item: a second is refused, a new one is
    welcome once the moderators have decided the first.
    """

    __tablename__ = "user_reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "review_item_id", name="uq_user_reports_reporter_item"),
        Index("ix_user_reports_review_item_id", "review_item_id"),
        Index("ix_user_reports_subject_user_id", "subject_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    review_item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # None while open; True when a moderator sanctioned the member, False when dismissed.
    upheld: Mapped[bool | None]

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    review_item: Mapped[ReviewItem] = relationship(back_populates="reports")


class Sanction(db.Model):
    """A warning, silence, suspension or ban; the user sees its reason."""

    __tablename__ = "sanctions"
    __table_args__ = (Index("ix_sanctions_user_id_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    vote_fraud: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AuditEntry(db.Model):
    """Append-only record of every moderator and admin action; never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        Index("ix_audit_log_target_user_id_id", "target_user_id", "id"),
        Index("ix_audit_log_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    thread_id: Mapped[int | None]
    answer_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])


class WatchedWord(db.Model):
    """A word or pattern that blocks, holds or flags a post containing it (admin-managed)."""

    __tablename__ = "watched_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(200), unique=True)
    is_regex: Mapped[bool] = mapped_column(default=False)
    mode: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class HouseRules(db.Model):
    """The community's rules, one Markdown page per language, sanitised on write like posts."""

    __tablename__ = "house_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), unique=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RecentPost(db.Model):
    """Fingerprints of a user's recent posts, to refuse the same text posted again within the hour."""

    __tablename__ = "recent_posts"
    __table_args__ = (Index("ix_recent_posts_user_id_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    shingles: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
