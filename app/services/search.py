"""Search as the rest of the app sees it: read functions for views, write functions for the indexer.

Shaped like microblog's app/search.py: a few small functions in front of the
configured backend (``SEARCH_BACKEND``: "whoosh", "postgres", or "null" to
switch search off), which lives in ``app.extensions["peerdesk.search"]`` and is
created on first use. Views only ever *read* (``search``, ``similar``).

Writes take one of two paths. With Whoosh, ``add`` and ``remove`` are called by
the indexer alone (app.search.indexer), which holds the writer lock, after the
database commit. With PostgreSQL (an ``InTransactionBackend``), a change marks
its threads (``refresh_in_transaction``) and their documents are rewritten just
before that change's commit, in its transaction (``_write_marked_documents``).
"""
import math
import threading
from dataclasses import replace
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Thread, Visibility
from app.search import (InTransactionBackend, SearchBackend, SearchHit, SearchPage, SearchQuery, ThreadDocument,
                        make_backend)
from app.search.backend import MAX_PER_PAGE, SORTS, STATUSES
from app.search.documents import documents_for
from app.services import meaning
from app.services.errors import ValidationFailed

EXTENSION_KEY = "peerdesk.search"
# Where a session keeps the threads whose documents its commit must rewrite.
_MARKED_KEY = "peerdesk.search.marked"
SIMILAR_LIMIT = 5
# Ten results a page, as search engines show. Each hit's snippet is highlighted
# in Python from a short stored excerpt (app/search/schema.py), so a page costs
# little more than its ranking (see bench/results/search-sqlite.md).
RESULTS_PER_PAGE = 10


class SearchExtension:
    """The app's search backend, opened lazily (opening checks and may repair the index)."""

    def __init__(self, app):
        self.kind = app.config.get("SEARCH_BACKEND", "whoosh")
        # Only Whoosh keeps files (and the indexer's lock file beside them).
        self.index_dir = (app.config.get("SEARCH_INDEX_DIR") or None) if self.kind == "whoosh" else None
        self._backend: SearchBackend | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> SearchBackend:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = make_backend(self.kind, self.index_dir,
                                                 engine=db.engine if self.kind == "postgres" else None)
        return self._backend


def init_app(app) -> SearchExtension:
    return app.extensions.setdefault(EXTENSION_KEY, SearchExtension(app))


def extension() -> SearchExtension:
    return init_app(current_app)


def backend() -> SearchBackend:
    return extension().backend


# ---------- read side: views and the API ----------

def parse_query(args, *, per_page: int = RESULTS_PER_PAGE) -> SearchQuery:
    """A ``SearchQuery`` from untrusted request arguments.

    The text is never rejected (the engine copes with anything); a filter
    that cannot mean anything (unknown status, bad date, page 0) is a 400
    naming the field.
    """
    errors: dict[str, str] = {}
    status = args.get("status") or None
    if status and status not in STATUSES:
        errors["status"] = _("Unknown status.")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = _("Unknown sort order.")
    page = _whole_number(args.get("page"), 1, "page", errors)
    size = min(_whole_number(args.get("per_page"), per_page, "per_page", errors), MAX_PER_PAGE)
    date_from = _day(args.get("date_from"), "date_from", errors)
    date_to = _day(args.get("date_to"), "date_to", errors)
    if date_from and date_to and date_from > date_to:
        errors["date_from"] = _("The start must not be after the end.")
    if errors:
        raise ValidationFailed(_("Invalid search parameters."), errors)
    return SearchQuery(text=str(args.get("q") or ""), category=args.get("category") or None,
                       tag=(args.get("tag") or "").strip().lower() or None, status=status,
                       date_from=date_from, date_to=date_to, sort=sort, page=page, per_page=size)


def _whole_number(raw, default: int, name: str, errors: dict) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        errors[name] = _("Use a whole number of 1 or more.")
        return default
    return value


def _day(raw, name: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        errors[name] = _("Use a date like 2026-03-01.")
        return None


def search(query: SearchQuery) -> SearchPage:
    """One page of results, without any thread that is not visible right now.

    The indexer removes hidden threads within seconds; this check closes those
    seconds (one primary-key query for at most one page of ids).
    """
    page = meaning.search(query, backend()) if meaning.applies(query) else backend().query(query)
    items = _only_visible(page.items)
    if len(items) == len(page.items):
        return page
    total = max(page.total - (len(page.items) - len(items)), 0)
    return replace(page, items=items, total=total, pages=math.ceil(total / query.per_page))


def similar(title: str, limit: int = SIMILAR_LIMIT) -> list[SearchHit]:
    """Threads that ask what a question being typed asks, for deflection on the ask page.

    Most relevant first; whether a thread is resolved only breaks ties. With
    SEARCH_SEMANTIC on, relevance is words and meaning fused (app.services.meaning).
    """
    if meaning.enabled():
        return meaning.similar(title, limit, backend(), _only_visible)
    return _only_visible(backend().similar(title, limit))


def _only_visible(hits: list[SearchHit]) -> list[SearchHit]:
    if not hits:
        return hits
    visible = set(db.session.scalars(select(Thread.id).where(
        Thread.id.in_([hit.thread_id for hit in hits]), Thread.visibility == Visibility.VISIBLE.value)))
    return [hit for hit in hits if hit.thread_id in visible]


# ---------- write side: the indexer only ----------

def add(docs: list[ThreadDocument]) -> None:
    backend().index(docs)


def remove(thread_ids: list[int]) -> None:
    backend().remove(thread_ids)


def writes_in_transaction() -> bool:
    """Whether the backend writes each change's document in the change's own transaction (PostgreSQL)."""
    return isinstance(backend(), InTransactionBackend)


def refresh_in_transaction(thread_id: int) -> bool:
    """Rewrite ``thread_id``'s document in the current transaction, if the backend allows it.

    Returns False for a backend that the indexer feeds after the commit (the
    caller then writes an outbox row instead). Called by
    ``search_outbox.enqueue``, so every change that affects search takes
    whichever path the configured backend needs.
    """
    if not isinstance(backend(), InTransactionBackend):
        return False
    db.session.info.setdefault(_MARKED_KEY, set()).add(thread_id)
    return True


@event.listens_for(Session, "before_commit")
def _write_marked_documents(session: Session) -> None:
    """Rewrite the documents of the threads this transaction marked, just before it commits.

    The pending changes are flushed first, then the threads' document locks
    are taken, then their current state is read (so the later of two
    concurrent changes sees the earlier one's commit): a thread that is no
    longer searchable (hidden, pending, deleted, a duplicate) loses its
    document.
    """
    thread_ids = session.info.pop(_MARKED_KEY, None)
    if not thread_ids:
        return
    in_transaction = backend()
    session.flush()
    connection = session.connection()
    in_transaction.lock(connection, thread_ids)
    docs = documents_for(thread_ids)
    in_transaction.write(connection, docs.values(), thread_ids - docs.keys())


@event.listens_for(Session, "after_rollback")
def _forget_marked_documents(session: Session) -> None:
    session.info.pop(_MARKED_KEY, None)
