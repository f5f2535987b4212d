"""Whether meaning-aware ranking is on, asked without loading the vector store.

Every search and every queued index change asks; the store brings numpy and
the vector matrix, which a worker with SEARCH_SEMANTIC off never needs.
"""
from flask import current_app


def enabled() -> bool:
    return bool(current_app.config.get("SEARCH_SEMANTIC"))


def follow_outbox() -> bool:
    """Whether changes must reach the indexer for their vectors (also when the backend writes words in-transaction)."""
    return enabled() and current_app.config.get("SEARCH_BACKEND") != "null"
