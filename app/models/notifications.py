"""Follows, notification preferences, the mail outbox and single-use tokens (the notifications area)."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime


class ThreadFollow(db.Model):
    """A member follows a thread (askers and answerers by default); `following` false remembers an unfollow."""

    __tablename__ = "thread_follows"
    __table_args__ = (Index("ix_thread_follows_thread_id_following", "thread_id", "following"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MilestoneNotice(db.Model):
    """A reputation milestone a member was told of. The key is what keeps "told once" true when two
    notification workers handle two of the member's votes at the same moment: each first claims the
    milestone here, and the second claim finds the first (it waits for it on PostgreSQL)."""

    __tablename__ = "milestone_notices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    milestone: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class NotificationPreference(db.Model):
    """How a user hears about one kind: app, email (at once), digest (app + daily mail) or off.

    Only choices that differ from the defaults (app/notifications/kinds.py) are stored.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))


class MailMessage(db.Model):
    """One outgoing e-mail, rendered when queued; the delivery worker sends it.

    `message_id` is fixed when the row is written, so a resend after a crash
    between sending and marking carries the same Message-ID and mail clients
    show it once. `dedupe_key` makes queueing idempotent (one mail per event,
    recipient and kind; one digest per user and day).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
                      Index("ix_mail_outbox_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(190), unique=True)
    dedupe_key: Mapped[str] = mapped_column(String(190), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    # pending → sent, or back to pending with a later next_attempt_at, or dead after MAIL_MAX_ATTEMPTS.
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsedToken(db.Model):
    """A signed link that has been used (resolution answers, password resets, e-mail confirmations)."""

    __tablename__ = "used_tokens"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class EmailConfirmation(db.Model):
    """The address a user confirmed, and when; an account whose e-mail changed is unconfirmed again."""

    __tablename__ = "email_confirmations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
