"""Categories, threads, answers, votes, tags and the thread timeline."""
import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User


class ThreadStatus(str, enum.Enum):
    """Where a question stands for the customer.

    `answered` means someone other than the asker answered; whether staff
    must still act is tracked separately (`needs_staff`), so a thread can be
    answered by the community and still be back in the staff queue.
    """

    UNANSWERED = "unanswered"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Visibility(str, enum.Enum):
    VISIBLE = "visible"
    PENDING = "pending"
    HIDDEN = "hidden"
    DELETED = "deleted"


class Category(db.Model):
    """A product area; it owns the SLA windows of its questions."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    sla_minutes: Mapped[int] = mapped_column(default=240)
    staff_response_minutes: Mapped[int] = mapped_column(default=120)
    business_hours: Mapped[dict | None] = mapped_column(JSON)
    thread_count: Mapped[int] = mapped_column(default=0)


thread_tags = Table(
    "thread_tags",
    db.metadata,
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_thread_tags_tag_id", "tag_id"),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_status_sla_due_at", "status", "sla_due_at"),
        Index("ix_threads_category_last_activity", "category_id", "last_activity_at"),
        Index("ix_threads_author_id", "author_id"),
        # The list's three sorts, led by visibility so counts and deep pages read only the index.
        Index("ix_threads_visibility_last_activity", "visibility", "last_activity_at", "id"),
        Index("ix_threads_visibility_created", "visibility", "created_at", "id"),
        Index("ix_threads_visibility_score", "visibility", "score", "id"),
        Index("ix_threads_needs_staff_escalated_at", "needs_staff", "escalated_at"),
        Index("ix_threads_assignee_id", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=ThreadStatus.UNANSWERED.value)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.VISIBLE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_staff_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", use_alter=True, ondelete="SET NULL")
    )
    score: Mapped[int] = mapped_column(default=0)
    answer_count: Mapped[int] = mapped_column(default=0)
    view_count: Mapped[int] = mapped_column(default=0)
    # Staff queue state (see app.services.sla and app.services.staff_queue).
    needs_staff: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When staff should have answered since the latest escalation (business hours applied).
    staff_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    resolution_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Knowledge base (see app.services.knowledge_base).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"))
    extra_search_terms: Mapped[str] = mapped_column(Text, default="")
    article_title: Mapped[str | None] = mapped_column(String(200))
    article_summary: Mapped[str | None] = mapped_column(Text)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    # Moderation (app.services.moderation): why it is hidden, shown to its author; lock and pin.
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_pinned: Mapped[bool] = mapped_column(default=False)

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    tags: Mapped[list[Tag]] = relationship(secondary=thread_tags, order_by="Tag.name")
    accepted_answer: Mapped["Answer | None"] = relationship(foreign_keys=[accepted_answer_id], post_update=True)

    @property
    def is_resolved(self) -> bool:
        return self.status == ThreadStatus.RESOLVED.value


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_thread_id_created_at", "thread_id", "created_at"),
        Index("ix_answers_author_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    is_staff: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.VISIBLE.value)
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User] = relationship()


class Vote(db.Model):
    """One vote per user per post; exactly one of thread_id/answer_id is set."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_votes_user_thread"),
        UniqueConstraint("user_id", "answer_id", name="uq_votes_user_answer"),
        CheckConstraint("(thread_id IS NULL) <> (answer_id IS NULL)", name="one_target"),
        CheckConstraint("value IN (-1, 1)", name="value_sign"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ThreadEvent(db.Model):
    """The timeline: one row per state change, the facts metrics are computed from."""

    __tablename__ = "thread_events"
    __table_args__ = (
        Index("ix_thread_events_thread_id_created_at", "thread_id", "created_at"),
        Index("ix_thread_events_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict | None] = mapped_column(JSON)
    # Internal events (staff notes, department hand-overs) never reach public pages.
    is_internal: Mapped[bool] = mapped_column(default=False)

    actor: Mapped[User | None] = relationship()


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict | None] = mapped_column(JSON)

    thread: Mapped[Thread | None] = relationship()
