"""The one index writer: drains the search outbox into the index, in batches.

Every write service adds a ``search_outbox`` row in its own transaction, so a
row exists exactly when a change was committed. ``drain_outbox`` takes a
batch of rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), reads the current
state of their threads (four queries for the whole batch), updates the
documents of visible threads and removes all others (hidden, pending,
deleted, gone) in one index commit, and only then deletes exactly the rows it
processed. The database is the truth and a row is only a "look at thread N"
hint, so replaying a batch after a crash, or rows arriving out of order, is
harmless; a row written while a batch ran stays for the next one. With
SEARCH_SEMANTIC on, the same batch computes the sentence vectors of threads
whose text changed and writes them in the transaction that deletes the rows
(app.search.semantic.store).

Whoosh allows one writer per index. ``writer_lock`` serialises writers inside
a process (a ``threading.Lock``) and between processes (``fcntl.flock`` on a
lock file in ``SEARCH_INDEX_DIR``): the in-server background task, a separate
``flask search indexer`` process, ``flask search reindex`` and ``verify
--repair`` never write at once. The indexer skips its pass while another
writer holds the lock (a reindex, say) and catches up afterwards. Never use
Whoosh's AsyncWriter instead: it loses queued writes when a worker dies.
"""
import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import SearchOutbox
from app.search.documents import all_documents, count_visible, documents_for
from app.search.semantic import store as vectors
from app.services import search as search_service

log = logging.getLogger("peerdesk.search.indexer")

BATCH_SIZE = 500
LOCK_FILE = "writer.lock"
_PROCESS_LOCK = threading.Lock()


class WriterBusy(Exception):
    """Another thread or process is writing the index."""


@contextmanager
def writer_lock(wait: float | None = 0):
    """Hold the index's single-writer lock; ``wait`` seconds at most (None: forever).

    Raises ``WriterBusy`` when the lock was not free in time.
    """
    deadline = None if wait is None else time.monotonic() + wait
    if not _PROCESS_LOCK.acquire(timeout=-1 if wait is None else wait):
        raise WriterBusy("another thread of this process is writing the search index")
    try:
        index_dir = search_service.extension().index_dir
        if index_dir is None:  # the null backend keeps no files
            yield
            return
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        with open(os.path.join(index_dir, LOCK_FILE), "a+b") as lock_file:
            while True:
                try:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise WriterBusy("another process is writing the search index") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
    finally:
        _PROCESS_LOCK.release()


def drain_outbox(batch_size: int | None = None) -> int:
    """Apply one batch of outbox rows to the index; the number of rows processed
    (or, with nothing to do, of threads given their first vector).

    Runs in an app context. Returns 0 without touching anything when another
    writer holds the lock.
    """
    try:
        with writer_lock(wait=0):
            _refill_if_empty()
            processed = _drain_batch(batch_size or current_app.config.get("SEARCH_INDEXER_BATCH_SIZE", BATCH_SIZE))
            # An idle pass embeds threads that have no vector yet (SEARCH_SEMANTIC just switched on).
            return processed or vectors.backfill()
    except WriterBusy:
        log.debug("search index busy; outbox left for the next pass")
        return 0


def _refill_if_empty() -> None:
    """Rebuild from the database when the index is empty but threads exist.

    A missing or corrupt index directory is reopened empty (see the engine);
    this turns that into a rebuild instead of a search that finds nothing
    until someone runs `flask search reindex`. Costs one document count per pass.
    """
    backend = search_service.backend()
    if backend.document_count() or not count_visible():
        return
    db.session.rollback()
    log.warning("search index is empty but the database has threads: rebuilding it")
    indexed = backend.rebuild(all_documents())
    db.session.rollback()
    log.warning("search index rebuilt with %d threads", indexed)


def drain_all(batch_size: int | None = None) -> int:
    """Drain until the outbox is empty (CLI, tests); the number of rows processed."""
    total = 0
    while processed := drain_outbox(batch_size):
        total += processed
    return total


def pending_count() -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def _drain_batch(batch_size: int) -> int:
    rows_query = select(SearchOutbox.id, SearchOutbox.thread_id).order_by(SearchOutbox.id).limit(batch_size)
    if db.engine.dialect.name == "postgresql":
        rows_query = rows_query.with_for_update(skip_locked=True)
    try:
        rows = db.session.execute(rows_query).all()
        if not rows:
            db.session.rollback()
            return 0
        thread_ids = {row.thread_id for row in rows}
        docs = documents_for(thread_ids)
        unembedded = vectors.stale(docs.values())
        if db.engine.dialect.name == "sqlite":
            # End the read transaction: SQLite refuses to turn a read snapshot
            # into a write once another connection has committed since.
            db.session.rollback()
        embedded = vectors.embed(unembedded)  # the model runs outside any write transaction
        if not search_service.writes_in_transaction():  # PostgreSQL wrote the words with the change
            search_service.add(list(docs.values()))
            search_service.remove(sorted(thread_ids - docs.keys()))
        # Only after the index commit: a crash before this line replays the batch.
        vectors.save(embedded, removed=thread_ids - docs.keys())
        db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.debug("indexed %d and removed %d threads from %d outbox rows",
              len(docs), len(thread_ids) - len(docs), len(rows))
    return len(rows)


def run_forever(interval: float, stop: threading.Event | None = None) -> None:
    """The separate indexer process (`flask search indexer`): drain, sleep when idle."""
    batch_size = current_app.config.get("SEARCH_INDEXER_BATCH_SIZE", BATCH_SIZE)
    while stop is None or not stop.is_set():
        try:
            processed = drain_outbox(batch_size)
        except Exception:
            log.exception("indexer pass failed; retrying in %ss", interval)
            processed = 0
        finally:
            db.session.remove()
        if processed < batch_size:
            time.sleep(interval)
