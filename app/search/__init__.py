"""Full-text search of threads, behind a backend interface.

Nothing here imports Flask or the models: the app turns threads into
``ThreadDocument`` values and hands them to the backend ``make_backend`` chose
from its configuration.
"""

from pathlib import Path

from .backend import (
    SearchBackend,
    SearchHit,
    SearchPage,
    SearchQuery,
    ThreadDocument,
)
from .null_backend import NullBackend
from .text import html_to_text
from .whoosh_backend import WhooshBackend

__all__ = [
    "NullBackend",
    "SearchBackend",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "ThreadDocument",
    "WhooshBackend",
    "html_to_text",
    "make_backend",
]


def make_backend(kind: str, index_dir: str | Path | None = None) -> SearchBackend:
    """The backend named by configuration: ``"whoosh"``, or ``"null"`` for search off."""
    if kind == "whoosh":
        if index_dir is None:
            raise ValueError("the whoosh search backend needs an index directory")
        return WhooshBackend(index_dir)
    if kind == "null":
        return NullBackend()
    raise ValueError(f"unknown search backend {kind!r}; use 'whoosh' or 'null'")
