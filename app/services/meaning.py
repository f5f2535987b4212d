"""Similar questions and search that understand meaning: word matching fused with sentence vectors.

Used by app.services.search when SEARCH_SEMANTIC is on, on top of whichever
lexical backend is configured (it only calls the ``SearchBackend``
interface). The lexical ranking and the vector ranking (app.search.semantic)
are merged by reciprocal rank fusion; the thread's standing (resolved, has an
accepted answer, open) only breaks ties, so a relevant open thread is never
pushed below an irrelevant resolved one. Settings (README, configuration):
SEARCH_FUSION_K, SEARCH_FUSION_LEXICAL_WEIGHT, SEARCH_FUSION_SEMANTIC_WEIGHT and SEARCH_SEMANTIC_MIN_SIMILARITY,
tuned on half of bench/relevance and reported on the other half.
"""
import logging
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from html import escape

from flask import current_app

from app.search import SearchBackend, SearchHit, SearchPage, SearchQuery
from app.search.documents import documents_for
from app.search.ranking import standing
from app.search.text import EXCERPT_CHARS, clean_text, excerpt, highlight_source
from app.search.semantic import switch
from app.search.semantic.encoder import ModelUnavailable
from app.search.semantic.fusion import fuse

log = logging.getLogger("peerdesk.search.semantic")

# Candidates each ranking brings to the fusion: similar questions show 5 of
# them; search fuses its first pages (deeper pages are ranked by words alone).
SIMILAR_DEPTH = 20
SEARCH_DEPTH = 50
# Query syntax (phrases, fields, operators) asks for exact words: no fusion.
_SYNTAX = re.compile(r'["():*~^]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b')

Hits = Callable[[list[SearchHit]], list[SearchHit]]


def enabled() -> bool:
    return switch.enabled()


def similar(title: str, limit: int, backend: SearchBackend, only_visible: Hits) -> list[SearchHit]:
    """Up to ``limit`` threads that ask what ``title`` asks, by words and by meaning."""
    text = clean_text(title)
    if not text or limit < 1:
        return []
    lexical = backend.similar(text, SIMILAR_DEPTH)
    ranked = _fused(text, lexical, SIMILAR_DEPTH, keep=lambda hit: True, wanted=2 * limit)
    return only_visible(ranked)[:limit]


def applies(query: SearchQuery) -> bool:
    """Whether this search is ranked by fusion: relevance order, plain words, within the first pages."""
    return (enabled() and query.sort == "relevance" and bool(query.text.strip())
            and query.page * query.per_page <= SEARCH_DEPTH and not _SYNTAX.search(query.text))


def search(query: SearchQuery, backend: SearchBackend) -> SearchPage:
    """One page of results of a search that ``applies``, fused from the first SEARCH_DEPTH of each ranking."""
    text = clean_text(query.text)
    lexical = backend.query(SearchQuery(
        text=query.text, category=query.category, tag=query.tag, status=query.status,
        date_from=query.date_from, date_to=query.date_to, page=1, per_page=SEARCH_DEPTH))
    wanted = query.page * query.per_page
    # Every candidate gets its entry: filters may drop some, and the total counts those found by meaning.
    ranked = _fused(text, lexical.items, SEARCH_DEPTH, keep=lambda hit: _matches_filters(hit, query),
                    wanted=SEARCH_DEPTH)
    found_by_meaning = sum(hit.thread_id not in {item.thread_id for item in lexical.items} for hit in ranked)
    total = lexical.total + found_by_meaning
    return SearchPage(items=ranked[wanted - query.per_page:wanted], total=total, page=query.page,
                      pages=math.ceil(total / query.per_page), suggestion=lexical.suggestion,
                      total_is_exact=lexical.total_is_exact)


def _fused(text: str, lexical: list[SearchHit], depth: int, keep: Callable[[SearchHit], bool],
           wanted: int) -> list[SearchHit]:
    """The lexical hits and the threads nearest in meaning, fused; hits for at least the first ``wanted``.

    Only the first ``wanted`` threads that words did not find are read from the database: an entry
    means the thread's question and all its answers, read and turned from HTML into text.
    """
    from app.search.semantic import store  # numpy and the vectors, only once meaning is on

    config = current_app.config
    try:
        nearest = store.nearest(text, depth)
    except ModelUnavailable as error:
        log.error("%s; ranking by words only", error)
        return lexical
    minimum = config["SEARCH_SEMANTIC_MIN_SIMILARITY"]
    by_meaning = [thread_id for thread_id, similarity in nearest if similarity >= minimum]
    hits = {hit.thread_id: hit for hit in lexical}
    fused = fuse([hit.thread_id for hit in lexical], by_meaning, k=config["SEARCH_FUSION_K"],
                 lexical_weight=config["SEARCH_FUSION_LEXICAL_WEIGHT"], semantic_weight=config["SEARCH_FUSION_SEMANTIC_WEIGHT"])
    # Hits for threads only the vectors found, as far down as needed (one batch of queries).
    unseen = [thread_id for thread_id, _ in fused if thread_id not in hits][:wanted]
    hits.update({thread_id: hit for thread_id, hit in hits_for(unseen).items() if keep(hit)})
    scored = [(score, hits[thread_id]) for thread_id, score in fused if thread_id in hits]
    # Standing breaks ties only; sorted() is stable, so equal ones keep the fused order.
    scored.sort(key=lambda pair: (-round(pair[0], 9), -standing(pair[1].status,
                                                                bool(pair[1].accepted_answer_excerpt))))
    return [hit for _, hit in scored]


def hits_for(thread_ids: list[int]) -> dict[int, SearchHit]:
    """Result entries for searchable threads read from the database (a few queries for any number)."""
    docs = documents_for(thread_ids)
    return {thread_id: SearchHit(
        thread_id=thread_id, title=doc.title, snippet_html=escape(excerpt(highlight_source(doc), EXCERPT_CHARS)),
        status=doc.status, score=doc.score, category=doc.category, tags=list(doc.tags),
        created_at=doc.created_at, accepted_answer_excerpt=excerpt(doc.accepted_answer_text, EXCERPT_CHARS),
    ) for thread_id, doc in docs.items()}


def _matches_filters(hit: SearchHit, query: SearchQuery) -> bool:
    """The lexical backend's filters, applied to a thread found by meaning alone."""
    if query.category and hit.category != query.category.lower():
        return False
    if query.tag and query.tag.lower() not in hit.tags:
        return False
    if query.status and hit.status != query.status:
        return False
    if query.date_from and hit.created_at < _utc(query.date_from, time.min):
        return False
    return not (query.date_to and hit.created_at > _utc(query.date_to, time.max))


def _utc(moment: date | datetime, time_of_day: time) -> datetime:
    """A filter bound as an aware UTC time; a date stands for the whole day in UTC."""
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.combine(moment, time_of_day, tzinfo=timezone.utc)
