"""The search backend on a Whoosh index in a local directory.

Whoosh allows one writer per index at a time and this class takes no lock of its
own: ``index``, ``remove``, ``rebuild`` and ``clear`` must be serialised by the
caller (the app runs one indexer process; a second concurrent writer gets
Whoosh's ``LockError``). Searching is safe from any thread or process, also
while a rebuild runs (see ``generations``). Updates written to the current
generation while a rebuild is filling the next one are lost with it, which is
why the indexer pauses during a rebuild.
"""

import logging
import math
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import query as q

from .analysis import fold, index_terms
from .backend import SearchBackend, SearchHit, SearchPage, SearchQuery, ThreadDocument
from .generations import Generations
from .highlight import snippet_html
from .querying import clean_text, filter_query, parse_syntax, parse_words, similar_query
from .schema import SCHEMA, document_fields, stored_hit

logger = logging.getLogger(__name__)

_STEMMED_FIELDS = frozenset({"text", "title", "question"})
# similar() ranks this many candidates by relevance, then shows the answered ones
# among them first: relevance decides what is similar, standing the order.
_SIMILAR_CANDIDATES_PER_SLOT = 4
_PROGRESS_EVERY = 100
# Words of a query that spelling correction leaves alone: operators, field names
# (a word before ":"), numbers and words too short to guess at.
_CORRECTABLE_WORD = re.compile(r"\b(?!(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b)[^\W\d_]{3,}\b(?!:)")


class WhooshBackend(SearchBackend):
    def __init__(self, index_dir: str | Path):
        self._generations = Generations(Path(index_dir), SCHEMA)
        self._generations.current()  # recover a broken index now, not at the first search

    def index(self, docs: Iterable[ThreadDocument]) -> None:
        # Whoosh cannot replace a document added by the same writer, so a batch
        # that carries one thread twice keeps only its last version.
        latest = {doc.thread_id: doc for doc in docs}
        if not latest:
            return
        with self._generations.current().writer() as writer:
            for doc in latest.values():
                writer.update_document(**document_fields(doc))

    def remove(self, thread_ids: Iterable[int]) -> None:
        ids = {str(thread_id) for thread_id in thread_ids}
        if not ids:
            return
        with self._generations.current().writer() as writer:
            for thread_id in ids:
                writer.delete_by_term("id", thread_id)

    def query(self, search: SearchQuery) -> SearchPage:
        text = clean_text(search.text)
        with self._searcher() as searcher:
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
            candidates = searcher.search(
                similar, limit=limit * _SIMILAR_CANDIDATES_PER_SLOT, optimize=False  # see _page
            )
            answered_first = sorted(candidates, key=lambda hit: -hit["standing"])[:limit]
            terms = _highlight_terms(similar)
            return [_hit(hit, terms) for hit in answered_first]

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
            searcher = self._generations.current().searcher()
        # Files vanished between reading CURRENT and opening them (a rebuild
        # retired the generation) or were damaged since it was opened; either
        # way Whoosh can raise almost anything. Reopening takes the current
        # generation, or replaces a broken one with an empty one.
        except Exception:
            searcher = self._generations.reopen().searcher()
        with searcher:
            yield searcher

    def _page(self, searcher, user_query, search, newest, suggestion) -> SearchPage:
        results = searcher.search(
            user_query,
            limit=search.page * search.per_page,
            filter=filter_query(search),
            sortedby="created_at" if newest else None,
            reverse=newest,
            # Whoosh's block-quality skipping rarely skips anything here, and it
            # makes counting the total a second pass over all matches; without
            # it one pass scores and counts (measured 20-50% faster).
            optimize=False,
        )
        total = len(results)
        terms = _highlight_terms(user_query)
        start = (search.page - 1) * search.per_page
        return SearchPage(
            items=[_hit(hit, terms) for hit in results[start:]],
            total=total,
            page=search.page,
            pages=math.ceil(total / search.per_page),
            suggestion=suggestion,
        )

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
        return "".join(pieces) + text[last:] if pieces else None


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


def _hit(hit, terms) -> SearchHit:
    stored = hit.fields()
    return stored_hit(stored, snippet_html(stored["snippet_source"], terms))
