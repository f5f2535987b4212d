"""Queue index work in the caller's transaction, so the index never runs ahead of the commit."""
from app.extensions import db
from app.models import SearchOutbox


def enqueue(thread_id: int, op: str = "upsert") -> None:
    db.session.add(SearchOutbox(thread_id=thread_id, op=op))
