"""The top results of a plain-word query, scored a block of postings at a time.

Most searches are a few words OR-ed in the ``text`` field, and similar()
looks for a few words in titles and questions. Whoosh scores those
one posting at a time through a tree of matcher objects (several method calls
per matching thread), and its block-max skipping rarely skips here: every
block of a common word holds some thread with it in the title. So a word found
in most of 50,000 threads cost 140 ms. This module computes the same BM25F
scores (Whoosh's formula and statistics, the same operations in the same
order) over whole blocks of postings in list comprehensions, and counts every
match on the way, so the total is exact. Any other query goes to Whoosh.

It reads postings and document lengths through internals of Whoosh's
``whoosh3`` codec (pinned in requirements); ``tests/unit/test_search_word_scoring.py``
checks that it ranks exactly as ``Searcher.search`` does.
"""

import threading
from array import array
from collections import OrderedDict
from heapq import nlargest

from whoosh import query as q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from . import hot_postings

# The fields searched by words: BM25F-scored text fields of the schema.
FIELDS = frozenset({"text", "title", "question"})
_CACHED_SEGMENTS = 48
# Decoded postings kept per process: 4 million = 32 MB, the 80 most common
# words of 50,000 threads.
CACHED_POSTINGS = 4_000_000


def plain_terms(query: q.Query) -> list[tuple[str, str, float]] | None:
    """The (field, term, boost) triples of a query of OR-ed words; None for any other query."""
    if type(query) is q.Term:
        return [(query.fieldname, query.text, query.boost)] if query.fieldname in FIELDS else None
    if type(query) is q.Or and query.boost == 1.0 and not query.minmatch and not query.scale:
        pairs = []
        for sub in query.subqueries:
            inner = plain_terms(sub)
            if inner is None:
                return None
            pairs += inner
        return pairs
    return None


def top_documents(searcher, terms, limit: int, allowed: set | None) -> tuple[list[int], int]:
    """The global numbers of the ``limit`` best documents, best first, and the number of matches.

    Ties go to the lower document number, as in Whoosh.
    """
    weighting = searcher.weighting
    if type(weighting) is not BM25F or weighting._field_B:
        raise TypeError("word scoring mirrors the default BM25F weighting only")
    B, K1 = weighting.B, weighting.K1
    folder = getattr(getattr(getattr(searcher, "_ix", None), "storage", None), "folder", None)
    k1_plus_1 = K1 + 1
    best = []  # (score, -global document number) of the best of each segment
    total = 0
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        postings = []
        for fieldname, text, boost in terms:
            btext = searcher.schema[fieldname].to_bytes(text)
            if (fieldname, btext) not in reader:
                continue
            ids, weights = _postings(reader, fieldname, btext, folder)
            norms = _length_norms(reader, fieldname, B, K1, searcher.avg_field_length(fieldname) or 1)
            idf = searcher.idf(fieldname, text)
            term_scores = [idf * ((w * k1_plus_1) / (w + norms[d])) for d, w in zip(ids, weights)]
            if boost != 1.0:
                term_scores = [score * boost for score in term_scores]
            postings.append((ids, term_scores))
        if not postings:
            continue
        if len(postings) == 1:
            ids, scores = postings[0]
        else:
            ids = None  # position = document number
            scores = [0.0] * reader.doc_count_all()
            for term_ids, term_scores in postings:
                for docnum, score in zip(term_ids, term_scores):
                    scores[docnum] += score  # BM25 scores are positive: 0.0 is no match
        positions = range(len(scores))
        if allowed is not None:
            docnum_at = ids.__getitem__ if ids is not None else int
            positions = [n for n in positions if scores[n] and offset + docnum_at(n) in allowed]
            matched = len(positions)
        else:
            matched = len(scores) - (scores.count(0.0) if ids is None else 0)
        total += matched
        # nlargest keeps the order of equal scores: the lower document number first.
        for n in nlargest(limit, positions, key=scores.__getitem__):
            if scores[n]:
                best.append((scores[n], -offset - (n if ids is None else ids[n])))
    return [-negative for _, negative in nlargest(limit, best)], total


_postings_lock = threading.Lock()
_postings_cache: OrderedDict = OrderedDict()
_cached_postings = 0


def _postings(reader, fieldname: str, btext: bytes, folder: str | None) -> tuple[array, array]:
    """Document numbers and weights of a term in a segment, without deleted documents.

    Whoosh stores each block of postings pickled and compressed; decoding them
    was most of the cost of a common word. A common word of a segment was
    decoded when the segment was written (``hot_postings``); any other is
    decoded here. Either way the postings of recently searched terms are kept
    (``CACHED_POSTINGS`` in all, 8 bytes each). A segment never changes but
    may gain deletions, hence the deletion count in the key.
    """
    global _cached_postings
    deleted = reader.doc_count_all() - reader.doc_count()
    key = (reader.segment().segment_id(), deleted, fieldname, btext)
    with _postings_lock:
        found = _postings_cache.get(key)
        if found is not None:
            _postings_cache.move_to_end(key)
            return found
    decoded = hot_postings.read(folder, key[0], fieldname, btext)
    if decoded is None:
        ids, weights = array("I"), array("f")
        for block_ids, block_weights in decode_blocks(reader.postings(fieldname, btext)):
            ids.extend(block_ids)
            weights.extend(block_weights)
    elif deleted:
        gone = reader.deleted_docs_set
        kept = [n for n, docnum in enumerate(decoded[0]) if docnum not in gone]
        ids, weights = array("I", [decoded[0][n] for n in kept]), array("f", [decoded[1][n] for n in kept])
    else:
        ids, weights = decoded
    with _postings_lock:
        if key not in _postings_cache:
            _postings_cache[key] = ids, weights
            _cached_postings += len(ids)
            while _cached_postings > CACHED_POSTINGS and len(_postings_cache) > 1:
                _, (old_ids, _) = _postings_cache.popitem(last=False)
                _cached_postings -= len(old_ids)
    return ids, weights


def decode_blocks(matcher):
    """(ids, weights) of each block of a term's postings, without deleted documents."""
    deleted = None
    if isinstance(matcher, FilterMatcher):  # how a segment with deletions wraps its postings
        deleted, matcher = matcher._ids, matcher.child
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        ids, weights = matcher._ids, matcher._weights
        if deleted:
            kept = [n for n, d in enumerate(ids) if d not in deleted]
            ids, weights = [ids[n] for n in kept], [weights[n] for n in kept]
        yield ids, weights
        matcher._next_block()


_norms_lock = threading.Lock()
_norms_cache: OrderedDict = OrderedDict()


def _length_norms(reader, fieldname, B, K1, avgfl) -> list[float]:
    """``K1 * ((1 - B) + B * length / avgfl)`` of each document of a segment, as BM25 uses it.

    Cached by segment (segments never change, only their deletions do) and
    collection average (which changes with every commit).
    """
    key = (reader.segment().segment_id(), fieldname, B, K1, avgfl)
    with _norms_lock:
        norms = _norms_cache.get(key)
        if norms is not None:
            _norms_cache.move_to_end(key)
            return norms
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    lengths = [byte_to_length(b) if b else 0 for b in column] if column is not None else []
    norms = [K1 * ((1 - B) + B * fl / avgfl) for fl in lengths]
    with _norms_lock:
        _norms_cache[key] = norms
        while len(_norms_cache) > _CACHED_SEGMENTS:
            _norms_cache.popitem(last=False)
    return norms
