"""Full-text search of threads, behind a backend interface.

Nothing here imports Flask or the models: the app turns threads into
``ThreadDocument`` values and hands them to the backend ``make_backend`` chose
from its configuration.
"""

from pathlib import Path

from .backend import (
    InTransactionBackend,
    SearchBackend,
    SearchHit,
    SearchPage,
    SearchQuery,
    ThreadDocument,
)
from .null_backend import NullBackend
from .postgres_backend import PostgresBackend
from .text import html_to_text
from .whoosh_backend import WhooshBackend

__all__ = [
    "InTransactionBackend",
    "NullBackend",
    "PostgresBackend",
    "SearchBackend",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "ThreadDocument",
    "WhooshBackend",
    "html_to_text",
    "make_backend",
]


def make_backend(kind: str, index_dir: str | Path | None = None, engine=None) -> SearchBackend:
    """The backend named by configuration: ``"whoosh"`` (an index directory),
    ``"postgres"`` (the forum's PostgreSQL database, as a SQLAlchemy engine),
    or ``"null"`` for search off."""
    if kind == "whoosh":
        if index_dir is None:
            raise ValueError("the whoosh search backend needs an index directory")
        return WhooshBackend(index_dir)
    if kind == "postgres":
        if engine is None:
            raise ValueError("the postgres search backend needs the database engine")
        return PostgresBackend(engine)
    if kind == "null":
        return NullBackend()
    raise ValueError(f"unknown search backend {kind!r}; use 'whoosh', 'postgres' or 'null'")
