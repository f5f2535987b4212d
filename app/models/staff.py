"""Staff-side tables: departments, internal notes, canned replies, announcements, staff requests.

Nothing here is ever shown on a public page or sent to the search index:
these rows are read only by the staff area (app.staff) and the banner
context processor (announcements, which are public by design).
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User

department_members = Table(
    "department_members",
    db.metadata,
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))

    members: Mapped[list[User]] = relationship(secondary=department_members, order_by="User.username")


class StaffNote(db.Model):
    """An internal note about a thread or about a customer (exactly one of the two)."""

    __tablename__ = "staff_notes"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (customer_id IS NULL)", name="one_subject"),
        Index("ix_staff_notes_thread_id", "thread_id"),
        Index("ix_staff_notes_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class CannedReply(db.Model):
    """A staff answer template; {asker} and {thread_title} are filled in when inserted."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    updated_by: Mapped[User | None] = relationship()


announcement_categories = Table(
    "announcement_categories",
    db.metadata,
    Column("announcement_id", ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Announcement(db.Model):
    """A service banner (e.g. an outage) shown on every page between starts_at and ends_at."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_starts_at_ends_at", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16), default="info")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    categories = relationship("Category", secondary=announcement_categories, order_by="Category.name")


class StaffRequest(db.Model):
    """A member's "Ask staff" on someone else's thread, waiting for the asker to agree."""

    __tablename__ = "staff_requests"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()
