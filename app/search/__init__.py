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
from .text import html_to_text

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


def __getattr__(name: str):
    """The two index backends are imported on first use: a process searching one of them (or none, or
    only reading pages) never loads the other's code; Whoosh alone is 85 modules."""
    if name == "WhooshBackend":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend
    if name == "PostgresBackend":
        from .postgres_backend import PostgresBackend

        return PostgresBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_backend(kind: str, index_dir: str | Path | None = None, engine=None) -> SearchBackend:
    """The backend named by configuration: ``"whoosh"`` (an index directory),
    ``"postgres"`` (the forum's PostgreSQL database, as a SQLAlchemy engine),
    or ``"null"`` for search off."""
    if kind == "whoosh":
        if index_dir is None:
            raise ValueError("the whoosh search backend needs an index directory")
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if kind == "postgres":
        if engine is None:
            raise ValueError("the postgres search backend needs the database engine")
        from .postgres_backend import PostgresBackend

        return PostgresBackend(engine)
    if kind == "null":
        return NullBackend()
    raise ValueError(f"unknown search backend {kind!r}; use 'whoosh', 'postgres' or 'null'")
