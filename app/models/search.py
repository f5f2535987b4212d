"""The search outbox: index work written in the same transaction as the change."""
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime


class SearchOutbox(db.Model):
    """One row asks the indexer to refresh (or drop) one thread's document.

    No foreign key: a row must outlive the thread it names, so deletions
    reach the index too.
    """

    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_id_thread", "id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int]
    op: Mapped[str] = mapped_column(String(8), default="upsert")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
