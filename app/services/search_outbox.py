"""Queue index work in the caller's transaction, so the index never runs ahead of the commit.

"""
from app.extensions import db
from app.models import SearchOutbox
from app.search.semantic import switch
from app.services import search as search_service


def enqueue(thread_id: int, op: str = "upsert") -> None:
    """Make the index follow ``thread_id``'s change when (and only if) the caller commits.

    With Whoosh: an outbox row for the indexer. With PostgreSQL: the thread's
    document is rewritten in this very transaction, just before its commit.
    """
    if search_service.refresh_in_transaction(thread_id) and not switch.follow_outbox():
        return
    # With SEARCH_SEMANTIC on, the indexer also computes the thread's vector after the commit,
    # whichever backend holds the words.
    db.session.add(SearchOutbox(thread_id=thread_id, op=op))
