"""Search tables: the outbox of the Whoosh indexer, and the documents of the PostgreSQL backend."""
from datetime import datetime

from sqlalchemy import DDL, JSON, Index, SmallInteger, String, Text, event
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime


class SearchOutbox(db.Model):
    """One row asks the indexer to refresh (or drop) one thread's document.

    No foreign key: a row must outlive the thread it names, so deletions
    reach the index too.
    """

    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_id_thread", "id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int]
    op: Mapped[str] = mapped_column(String(8), default="upsert")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


# The tables of the PostgreSQL search backend (SEARCH_BACKEND=postgres,
# app/search/postgres_backend.py). They exist on every database so that one
# migration chain describes one schema; on SQLite they stay empty.
SEARCH_VECTOR = TSVECTOR().with_variant(Text(), "sqlite")
TAG_LIST = ARRAY(String(32)).with_variant(JSON(), "sqlite")


class SearchDocument(db.Model):
    """One searchable thread: its weighted words and what a result shows of it.

    Written in the transaction of the change that affects the thread, so it is
    never behind the forum. No foreign key, as for the outbox: a document is
    removed by the change that hides or deletes its thread.
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        # Without a pending list (fastupdate off) a write pays for its index entries at once, and a
        # search never scans entries that autovacuum has not merged yet (migration 0012).
        Index("ix_search_documents_vector", "vector", postgresql_using="gin", postgresql_with={"fastupdate": "off"}),
        Index("ix_search_documents_head_vector", "head_vector", postgresql_using="gin",
              postgresql_with={"fastupdate": "off"}),
        Index("ix_search_documents_standing", "standing", "score", "thread_id"),
        Index("ix_search_documents_tags", "tags", postgresql_using="gin"),
        Index("ix_search_documents_created_at", "created_at"),
    )

    thread_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    vector = mapped_column(SEARCH_VECTOR, nullable=False)
    # The title and tags alone (weights A and B): small enough to rank thousands of
    # threads by, where ranking by ``vector`` would read each thread's whole text.
    head_vector = mapped_column(SEARCH_VECTOR, nullable=False)
    title: Mapped[str] = mapped_column(Text)
    tags = mapped_column(TAG_LIST, nullable=False)
    category: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[int]
    standing: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[str] = mapped_column(String(32))
    highlight_source: Mapped[str] = mapped_column(Text)
    accepted_excerpt: Mapped[str] = mapped_column(Text)


class SearchWord(db.Model):
    """A word that stands in some thread: the vocabulary "did you mean" proposes from.

    Only ever added to (a word whose last thread went away is harmless: a
    suggestion is only made when it finds threads).
    """

    __tablename__ = "search_words"
    __table_args__ = (
        Index("ix_search_words_trigrams", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    )

    word: Mapped[str] = mapped_column(String(64), primary_key=True)


# What the tables above need on PostgreSQL when `db.create_all()` makes them
# (tests); migration 0005_search_documents does the same. The configurations index a word under
# its English and its German stem, accents folded first.
POSTGRES_SEARCH_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        statement
        for language in ("english", "german")
        for statement in (
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS peerdesk_{language}",
            f"CREATE TEXT SEARCH CONFIGURATION peerdesk_{language} (COPY = pg_catalog.{language})",
            f"ALTER TEXT SEARCH CONFIGURATION peerdesk_{language} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {language}_stem",
        )
    ),
]
# Rows kept narrow (the long columns moved out of line, but not ``head_vector``),
# so that visiting every thread that matches a common word stays cheap.
POSTGRES_SEARCH_STORAGE = [
    "ALTER TABLE search_documents SET (toast_tuple_target = 128)",
    "ALTER TABLE search_documents ALTER COLUMN head_vector SET STORAGE MAIN",
]
for _statement in POSTGRES_SEARCH_SETUP:
    event.listen(SearchDocument.__table__, "before_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in POSTGRES_SEARCH_STORAGE:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
