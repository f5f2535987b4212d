"""The search-backend interface and the values that cross it.

The forum talks to search only through ``SearchBackend``, in plain values, so that
the engine (Whoosh in a local directory, or PostgreSQL shared by every machine)
can be swapped without touching services or views, and so that it can be tested
without an app.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

STATUSES = ("unanswered", "answered", "resolved", "escalated", "closed")
SORTS = ("relevance", "newest")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ThreadDocument:
    """Everything the index knows about one thread, as plain text.

    ``answers_text`` holds the answers other than the accepted one, which is in
    ``accepted_answer_text`` so that it can weigh more. ``extra_terms`` are the
    words of threads closed as duplicates of this one. ``version`` is whatever
    changes whenever the thread's indexed content does (its ``updated_at``), so
    that verify can find stale entries. Datetimes are timezone-aware.
    """

    thread_id: int
    title: str
    question_text: str
    answers_text: str
    accepted_answer_text: str
    extra_terms: str
    tags: list[str]
    category: str
    status: str
    author: str
    created_at: datetime
    last_activity_at: datetime
    score: int
    has_accepted: bool
    version: str


@dataclass(frozen=True)
class SearchQuery:
    """One search: user text in Whoosh query syntax, plus filters and paging.

    ``date_from``/``date_to`` bound ``created_at`` inclusively; a ``date`` means
    the whole day in UTC. Blank ``text`` lists every thread the filters allow,
    newest first.
    """

    text: str
    category: str | None = None
    tag: str | None = None
    status: str | None = None
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def __post_init__(self):
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {self.sort!r}")
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.page < 1:
            raise ValueError("page starts at 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")


@dataclass(frozen=True)
class SearchHit:
    """One thread in a result list.

    ``snippet_html`` is HTML-escaped text in which only ``<mark>`` tags are markup,
    so templates may render it unescaped. ``score`` is the thread's vote score,
    not its relevance.
    """

    thread_id: int
    title: str
    snippet_html: str
    status: str
    score: int
    category: str
    tags: list[str]
    created_at: datetime
    accepted_answer_excerpt: str


@dataclass(frozen=True)
class SearchPage:
    """One page of results.

    ``total`` (and so ``pages``) is exact when ``total_is_exact``; otherwise an
    estimate that is at least the number of results up to this page: an
    engine may stop counting matches that cannot reach the first pages.
    """

    items: list[SearchHit]
    total: int
    page: int
    pages: int
    suggestion: str | None
    total_is_exact: bool = True


class SearchBackend(ABC):
    """What the forum needs from a search engine.

    Writes (``index``, ``remove``, ``rebuild``, ``clear``) must come from one
    writer at a time: the app runs a single indexer process that drains the
    search outbox, and ``flask search reindex`` pauses it. Reads may come from
    any number of threads and processes, also during a rebuild.
    """

    @abstractmethod
    def index(self, docs: Iterable[ThreadDocument]) -> None:
        """Add or replace each thread by its id; replaying a batch is harmless."""

    @abstractmethod
    def remove(self, thread_ids: Iterable[int]) -> None:
        """Drop these threads; ids that are not indexed are ignored."""

    @abstractmethod
    def query(self, search: SearchQuery) -> SearchPage:
        """One page of results; malformed query text never raises."""

    @abstractmethod
    def suggest(self, text: str) -> str | None:
        """A corrected ``text`` from the index's own words, or None if none is better."""

    @abstractmethod
    def similar(self, title: str, limit: int = 5) -> list[SearchHit]:
        """Threads like a question being typed, most relevant first.

        Standing (resolved, accepted answer) may favour a thread among about
        equally relevant ones, never lift it above a clearly more relevant one:
        the customer's problem comes first (issue #11).
        """

    @abstractmethod
    def rebuild(
        self,
        docs: Iterable[ThreadDocument],
        progress: Callable[[int], object] | None = None,
    ) -> int:
        """Replace the whole index with ``docs`` (one per thread) while searches keep working.

        ``progress(n)`` is told every so often how many more documents were
        added since its previous call (so ``click``'s ``bar.update`` fits).
        Returns the number of documents indexed.
        """

    @abstractmethod
    def doc_versions(self) -> dict[int, str]:
        """Each indexed thread's ``version``, for verify to compare with the database."""

    @abstractmethod
    def clear(self) -> None:
        """Empty the index."""

    @abstractmethod
    def document_count(self) -> int:
        """How many threads the index holds (an empty index next to a full database needs a rebuild)."""

    @abstractmethod
    def is_healthy(self) -> bool:
        """Whether the index can be searched right now."""


class InTransactionBackend(SearchBackend):
    """A backend whose documents live in the forum's own database.

    The app writes a thread's document in the transaction of the change
    (``lock``, then read the thread, then ``write``), so the index is never
    behind the forum and needs no outbox and no indexer. ``index``, ``remove``
    and ``rebuild`` still work on their own transactions (CLI, tests), and
    need no single writer.
    """

    @abstractmethod
    def lock(self, connection, thread_ids: Iterable[int]) -> None:
        """Serialise writers of these threads' documents until ``connection``'s transaction ends."""

    @abstractmethod
    def write(self, connection, docs: Iterable[ThreadDocument], removed: Iterable[int]) -> None:
        """Store ``docs`` and drop the threads ``removed`` in ``connection``'s transaction."""
