"""The search backend on a Whoosh index in a local directory.

Whoosh allows one writer per index at a time and this class takes no lock of its
own: ``index``, ``remove``, ``rebuild`` and ``clear`` must be serialised by the
caller (the app runs one indexer process; a second concurrent writer gets
Whoosh's ``LockError``). Searching is safe from any thread or process, also
while a rebuild runs (see ``generations``). Updates written to the current
generation while a rebuild is filling the next one are lost with it, which is
why the indexer pauses during a rebuild.

Searches borrow an open searcher from a small pool (``_SearcherPool``) instead
of opening one each time, and recent result pages are kept in a small LRU
keyed by the index version they came from, so a new commit or a rebuild is
seen by the next search.

Plain words (most searches, and every similar() query) are ranked by
``word_scoring``, which scores Whoosh's BM25F over whole posting lists and
counts every match. Other syntax (phrases, AND, NOT, fields, ranges) goes to
Whoosh with block-max skipping on: its ``SearchPage.total`` is exact up to
the requested page, and beyond it an estimate (the query's estimated size,
scaled by the share of threads the filters allow) with ``total_is_exact``
False. "Newest first" always counts exactly.
"""

import logging
import math
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import query as q

from . import hot_postings
from .analysis import fold, index_terms
from .backend import SearchBackend, SearchHit, SearchPage, SearchQuery, ThreadDocument
from .generations import Generations
from .highlight import snippet_html
from .querying import filter_query, parse_syntax, parse_words, similar_query
from .schema import SCHEMA, document_fields, stored_hit
from .text import clean_text
from .word_scoring import FIELDS as WORD_FIELDS
from .word_scoring import decode_blocks, plain_terms, top_documents

logger = logging.getLogger(__name__)

_STEMMED_FIELDS = frozenset({"text", "title", "question"})
_PROGRESS_EVERY = 100
# Words of a query that spelling correction leaves alone: operators, field names
# (a word before ":"), numbers and words too short to guess at.
_CORRECTABLE_WORD = re.compile(r"\b(?!(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b)[^\W\d_]{3,}\b(?!:)")
# A corrected query is suggested only when it finds clearly more threads than
# what was typed: more than this many times as many (estimated).
_SUGGESTION_GAIN = 2
# Searchers kept open per index: one per concurrent search (gunicorn runs 8
# threads per worker); more concurrent searches open extra ones and close them.
_IDLE_SEARCHERS = 8
_CACHED_PAGES = 1024  # about 10 kB each
_CACHED_FILTERS = 16


class _SearcherPool:
    """Open searchers of the current index, each lent to one search at a time.

    A Whoosh searcher must not serve two threads at once, and opening one per
    search rereads every segment's metadata. A borrowed searcher that is older
    than the index's last commit is replaced by a new one (not ``refresh()``ed:
    that reuses segment readers whose deletions changed, and deleted threads
    came back); when the index itself changed (a rebuild published a new
    generation) all idle searchers of the old one are closed.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._index = None
        self._idle = []

    def borrow(self, ix):
        stale = []
        with self._lock:
            if ix is not self._index:
                stale, self._idle, self._index = self._idle, [], ix
            searcher = self._idle.pop() if self._idle else None
        _close_all(stale)
        if searcher is not None:
            try:
                fresh = searcher.up_to_date()
            except BaseException:
                searcher.close()
                raise
            if fresh:
                return searcher
            searcher.close()
        return ix.searcher()

    def give_back(self, ix, searcher) -> None:
        with self._lock:
            if ix is self._index and len(self._idle) < _IDLE_SEARCHERS:
                self._idle.append(searcher)
                return
        searcher.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._index = self._idle, [], None
        _close_all(idle)


def _close_all(searchers) -> None:
    for searcher in searchers:
        searcher.close()


class _PageCache:
    """The most recently used result pages (or filter sets), keyed by the index version they came from."""

    def __init__(self, size: int):
        self._size = size
        self._lock = threading.Lock()
        self._pages: OrderedDict = OrderedDict()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


class WhooshBackend(SearchBackend):
    def __init__(self, index_dir: str | Path, cached_pages: int = _CACHED_PAGES):
        self._generations = Generations(Path(index_dir), SCHEMA)
        self._generations.current()  # recover a broken index now, not at the first search
        self._pool = _SearcherPool()
        self._pages = _PageCache(cached_pages) if cached_pages else None
        self._filters = _PageCache(_CACHED_FILTERS)
        # Idle searchers hold open files; close them when the backend goes away.
        self._finalizer = weakref.finalize(self, self._pool.close)

    def close(self) -> None:
        """Close the searchers kept open (searching again reopens them)."""
        self._pool.close()

    def index(self, docs: Iterable[ThreadDocument]) -> None:
        # Whoosh cannot replace a document added by the same writer, so a batch
        # that carries one thread twice keeps only its last version.
        latest = {doc.thread_id: doc for doc in docs}
        if not latest:
            return
        with self._generations.current().writer() as writer:
            for doc in latest.values():
                writer.update_document(**document_fields(doc))
        _decode_common_words(self._generations.current())

    def remove(self, thread_ids: Iterable[int]) -> None:
        ids = {str(thread_id) for thread_id in thread_ids}
        if not ids:
            return
        with self._generations.current().writer() as writer:
            for thread_id in ids:
                writer.delete_by_term("id", thread_id)
        _decode_common_words(self._generations.current())

    def query(self, search: SearchQuery) -> SearchPage:
        text = clean_text(search.text)
        with self._searcher() as searcher:
            if self._pages is None:
                return self._query(searcher, text, search)
            # The directory changes with every rebuild and the reader's
            # generation with every commit: a cached page is never stale.
            key = (searcher._ix.storage.folder, searcher.reader().generation(), search)
            page = self._pages.get(key)
            if page is None:
                page = self._query(searcher, text, search)
                self._pages.put(key, page)
            return page

    def _query(self, searcher, text: str, search: SearchQuery) -> SearchPage:
        if not text:
            return self._page(searcher, q.Every(), search, newest=True, suggestion=None)
        suggestion = self._suggestion(searcher, text)
        newest = search.sort == "newest"
        # User syntax can reach corners of Whoosh that raise (a phrase on a
        # field without positions, a numeric range out of bounds, ...), at
        # parse time or only while searching: any of those means "search the
        # words instead". A failure of the plain-word query is a real error.
        try:
            return self._page(searcher, parse_syntax(text), search, newest, suggestion)
        except Exception as error:
            logger.info("searching words of %r: its syntax failed (%r)", text, error)
        return self._page(searcher, parse_words(text), search, newest, suggestion)

    def suggest(self, text: str) -> str | None:
        text = clean_text(text)
        with self._searcher() as searcher:
            return self._suggestion(searcher, text)

    def similar(self, title: str, limit: int = 5) -> list[SearchHit]:
        text = clean_text(title)
        if not text or limit < 1:
            return []
        with self._searcher() as searcher:
            similar = similar_query(searcher.reader(), text)
            # By relevance alone: the standing boost in the postings (ranking.py)
            # lets a resolved thread win among equally good matches, never more.
            docnums, _ = top_documents(searcher, plain_terms(similar), limit, None)
            terms = _highlight_terms(similar)
            return [_hit(searcher.stored_fields(docnum), terms) for docnum in docnums]

    def rebuild(
        self,
        docs: Iterable[ThreadDocument],
        progress: Callable[[int], object] | None = None,
    ) -> int:
        name, ix = self._generations.create()
        count = reported = 0
        try:
            with ix.writer() as writer:
                for doc in docs:
                    writer.add_document(**document_fields(doc))
                    count += 1
                    if progress and count - reported == _PROGRESS_EVERY:
                        progress(count - reported)
                        reported = count
        except BaseException:
            self._generations.discard(name)
            raise
        if progress and count > reported:
            progress(count - reported)
        _decode_common_words(ix)
        self._generations.publish(name)
        return count

    def doc_versions(self) -> dict[int, str]:
        with self._searcher() as searcher:
            return {
                int(stored["id"]): stored["version"]
                for stored in searcher.reader().all_stored_fields()
            }

    def clear(self) -> None:
        self.rebuild(())

    def document_count(self) -> int:
        with self._searcher() as searcher:
            return searcher.doc_count()

    def is_healthy(self) -> bool:
        # A health probe reports a broken index; it must not raise itself.
        try:
            with self._searcher() as searcher:
                searcher.doc_count()
        except Exception:
            logger.exception("search index %s is not usable", self._generations.root)
            return False
        return True

    @contextmanager
    def _searcher(self):
        try:
            ix = self._generations.current()
            searcher = self._pool.borrow(ix)
        # Files vanished between reading CURRENT and opening them (a rebuild
        # retired the generation) or were damaged since it was opened; either
        # way Whoosh can raise almost anything. Reopening takes the current
        # generation, or replaces a broken one with an empty one.
        except Exception:
            ix = self._generations.reopen()
            searcher = self._pool.borrow(ix)
        try:
            yield searcher
        except BaseException:
            searcher.close()  # it may be what failed: do not lend it again
            raise
        self._pool.give_back(ix, searcher)

    def _page(self, searcher, user_query, search, newest, suggestion) -> SearchPage:
        allowed = self._allowed(searcher, search)
        if allowed is not None and not allowed:  # Whoosh reads an empty filter as none
            return SearchPage(items=[], total=0, page=search.page, pages=0, suggestion=suggestion)
        limit = search.page * search.per_page
        terms = _highlight_terms(user_query)
        start = (search.page - 1) * search.per_page
        words = None if newest else plain_terms(user_query)
        if words is not None:
            docnums, total = top_documents(searcher, words, limit, allowed)
            return SearchPage(
                items=[_hit(searcher.stored_fields(docnum), terms) for docnum in docnums[start:]],
                total=total,
                page=search.page,
                pages=math.ceil(total / search.per_page),
                suggestion=suggestion,
            )
        results = searcher.search(
            user_query,
            limit=limit,
            filter=allowed,
            sortedby="created_at" if newest else None,
            reverse=newest,
            optimize=True,  # block-max: skip postings that cannot reach the top `limit`
        )
        total, exact = _total(searcher, results, limit, allowed)
        return SearchPage(
            items=[_hit(hit.fields(), terms) for hit in results[start:]],
            total=total,
            page=search.page,
            pages=math.ceil(total / search.per_page),
            suggestion=suggestion,
            total_is_exact=exact,
        )

    def _allowed(self, searcher, search: SearchQuery) -> set | None:
        """The documents the filters of ``search`` allow, or None without filters.

        As a set: Whoosh would compute the same set itself, and the estimate
        of the total needs its size. Kept for the index version it came from,
        as pages are: most searches use one of a few filters.
        """
        restriction = filter_query(search)
        if restriction is None:
            return None
        key = (searcher._ix.storage.folder, searcher.reader().generation(),
               search.category, search.tag, search.status, search.date_from, search.date_to)
        allowed = self._filters.get(key)
        if allowed is None:
            allowed = set(searcher.docs_for_query(restriction))  # shared: never changed
            self._filters.put(key, allowed)
        return allowed

    def _suggestion(self, searcher, text: str) -> str | None:
        """``text`` with each word the index does not know replaced by its closest word.

        None if every word is known: a query that matches is not corrected.
        """
        reader = searcher.reader()
        pieces, last = [], 0
        for match in _CORRECTABLE_WORD.finditer(text):
            if _known(reader, match.group()):
                continue
            correction = _closest_word(reader, match.group().lower())
            if correction:
                pieces += [text[last:match.start()], correction]
                last = match.end()
        if not pieces:
            return None
        corrected = "".join(pieces) + text[last:]
        typed_hits = _estimated_hits(reader, text)
        corrected_hits = _estimated_hits(reader, corrected)
        if corrected_hits == 0 or corrected_hits <= _SUGGESTION_GAIN * typed_hits:
            return None  # what was typed finds about as much already
        return corrected


def _decode_common_words(ix) -> None:
    """Decode the common words of segments this commit wrote (``hot_postings``), for every process's searches.

    Best effort: without the files, searches decode the blocks themselves, as before.
    """
    try:
        hot_postings.write_missing(ix, WORD_FIELDS, decode_blocks)
    except OSError:
        logger.exception("could not write the decoded common words of %s", ix.storage.folder)


def _estimated_hits(reader, text: str) -> int:
    """About how many threads ``text`` finds (Whoosh's estimate, from document frequencies)."""
    try:
        return parse_syntax(text).estimate_size(reader)
    except Exception:  # syntax Whoosh cannot handle is searched as words, see query()
        return parse_words(text).estimate_size(reader)


def _total(searcher, results, limit: int, allowed: set | None) -> tuple[int, bool]:
    """The number of matches, and whether it is exact (see the module docstring)."""
    if results.has_exact_length():
        return len(results), True
    found = results.scored_length()
    if found < limit:  # the top results never filled up, so nothing was skipped
        return found, True
    live = searcher.doc_count()
    estimate = min(results.estimated_length(), live)  # unfiltered, counts deleted threads
    if allowed is not None:
        estimate = round(estimate * len(allowed) / max(live, 1))
    return max(estimate, results.collector.total, found), False


def _known(reader, word: str) -> bool:
    """Whether the index holds ``word`` in any of its stemmed forms (stop words count)."""
    stems = index_terms(fold(word))
    return not stems or any(("text", stem) in reader for stem in stems)


def _closest_word(reader, word: str) -> str | None:
    """The most used indexed word at the smallest edit distance (1 or 2) from ``word``."""
    for distance in (1, 2):
        candidates = sorted(
            candidate
            for candidate in reader.terms_within("vocabulary", word, distance, prefix=1)
            if candidate != word
        )
        if candidates:
            return max(candidates, key=lambda c: reader.doc_frequency("vocabulary", c))
    return None


def _highlight_terms(user_query) -> set[str]:
    return {
        text
        for fieldname, text in user_query.iter_all_terms(phrases=True)
        if fieldname in _STEMMED_FIELDS
    }


def _hit(stored: dict, terms) -> SearchHit:
    return stored_hit(stored, snippet_html(stored["highlight_source"], terms))
