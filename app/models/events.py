"""The event log: one row per thing that happened, written in the transaction that made it happen."""
from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime


class DomainEvent(db.Model):
    """A fact announced by a service (answered, voted, hidden, badge awarded…).

    Written with the change itself, so it exists exactly when its cause does;
    consumers (live updates, page cache, notifications, mail) read it after
    the commit, in this process at once and in every other process through
    the relay. No foreign keys: an event outlives the rows it names.
    """

    __tablename__ = "domain_events"
    __table_args__ = (
        Index("ix_domain_events_thread_id_id", "thread_id", "id"),
        Index("ix_domain_events_user_id_id", "user_id", "id"),
        Index("ix_domain_events_dispatched_at_id", "dispatched_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    thread_id: Mapped[int | None]
    actor_id: Mapped[int | None]
    # The user the event is about or for (a sanctioned user, a badge earner), when there is one.
    user_id: Mapped[int | None]
    payload: Mapped[dict | None] = mapped_column(JSON)
    # Which process wrote it, so the relay does not hand a process its own events twice.
    origin: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set in the transaction that wrote its notifications and mail (app/notifications/dispatcher.py).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
