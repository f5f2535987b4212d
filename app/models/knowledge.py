"""Knowledge-base facts: "was this helpful?" votes and deflection while asking."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime


class HelpfulVote(db.Model):
    """One visitor's yes/no on one article; the counters live on Thread (helpful_yes/no).

    `visitor_key` is "user:<id>" for members and "visitor:<random id>" for
    anonymous readers (from a signed cookie), so each is counted once.
    """

    __tablename__ = "helpful_votes"
    __table_args__ = (UniqueConstraint("thread_id", "visitor_key", name="uq_helpful_votes_thread_visitor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    visitor_key: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class DeflectionEvent(db.Model):
    """What a customer did after the ask page showed similar threads.

    Deflection happens before any thread exists, so these facts cannot live on
    the thread timeline. One ask-page visit is one `session_key` (random, made
    in the browser): "opened" (or "left") when a suggestion was opened,
    "posted" when the question was posted anyway. A visit counts as deflected
    when it opened a suggestion and never posted (see
    app.services.support_metrics_report._deflection).
    """

    __tablename__ = "deflection_events"
    __table_args__ = (
        Index("ix_deflection_events_created_at", "created_at"),
        Index("ix_deflection_events_session_key", "session_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    suggested_thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    created_thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
