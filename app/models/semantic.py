"""Sentence vectors of threads, for meaning-aware similar questions and search (app.search.semantic)."""
from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ThreadVector(db.Model):
    """One thread's sentence embedding, written by the search indexer after the thread's commit.

    ``vector`` is little-endian float32, L2-normalised. ``model`` and
    ``text_digest`` say what produced it from which text, so the indexer
    skips threads whose embedded text did not change (a vote, an answer) and
    ``flask search verify`` finds stale vectors. ``revision`` grows with every
    write (the indexer is the only writer), so a web process reloads only the
    rows changed since it last looked. A plain table rather than pgvector: the
    same code serves SQLite and PostgreSQL, and the nearest-neighbour search
    runs in each process's memory (50,000 threads are 77 MB).
    """

    __tablename__ = "thread_vectors"
    __table_args__ = (Index("ix_thread_vectors_revision", "revision"),)

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    text_digest: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)
