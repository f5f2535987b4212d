"""Writes the thread timeline: every state change that matters leaves one row."""
from app import clock
from app.extensions import db
from app.models import ThreadEvent


def record(thread_id: int, kind: str, actor_id: int | None = None, *, detail: dict | None = None,
           internal: bool = False, at=None) -> ThreadEvent:
    """Add an event to the current transaction; the caller commits."""
    event = ThreadEvent(
        thread_id=thread_id, kind=kind, actor_id=actor_id, detail=detail,
        is_internal=internal, created_at=at or clock.now(),
    )
    db.session.add(event)
    return event
