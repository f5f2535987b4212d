"""Word scoring ranks plain-word queries exactly as Whoosh's own search does."""

import random
from pathlib import Path

import pytest

from app.search import SearchQuery, WhooshBackend, hot_postings, word_scoring
from app.search.querying import parse_syntax
from app.search.word_scoring import plain_terms, top_documents

from test_search_backend import thread_doc

WORDS = "printer paper jam toner driver scanner offline network update invoice Rechnungen drucker".split()


@pytest.fixture(params=["blocks", "decoded at write"])
def backend(request, tmp_path, monkeypatch):
    """Each test runs twice: postings decoded from Whoosh's blocks, and every word read from the files
    written beside each segment (``hot_postings``), which later deletions must still filter."""
    found = []
    if request.param == "decoded at write":
        monkeypatch.setattr(hot_postings, "MIN_POSTINGS", 1)
        read = hot_postings.read
        monkeypatch.setattr(hot_postings, "read", lambda *args: found.append(read(*args)) or found[-1])
    with word_scoring._postings_lock:
        word_scoring._postings_cache.clear()
        word_scoring._cached_postings = 0
    rng = random.Random(7)
    backend = WhooshBackend(tmp_path / "index")
    statuses = ["unanswered", "answered", "resolved"]
    for batch in range(4):  # several segments, and deletions in them
        backend.index(thread_doc(
            n, " ".join(rng.choices(WORDS, k=3)), " ".join(rng.choices(WORDS, k=rng.randint(1, 40))),
            accepted=" ".join(rng.choices(WORDS, k=5)) if n % 3 else "", status=statuses[n % 3],
            category=("hardware", "billing")[n % 2],
        ) for n in range(batch * 60 + 1, batch * 60 + 61))
        backend.remove(range(batch * 60 + 1, batch * 60 + 61, 7))
    yield backend
    backend.close()
    if found:
        assert any(postings is not None for postings in found), "the decoded files were never read"


@pytest.mark.parametrize("text", ["printer", "printers jam", "toner drucker invoice", "Rechnung",
                                  "printer printer", "offline OR network", "nothingknown"])
@pytest.mark.parametrize("limit", [1, 10, 500])
def test_word_scoring_ranks_and_counts_as_whoosh_does(backend, text, limit):
    query = parse_syntax(text)
    assert plain_terms(query) is not None
    with backend._searcher() as searcher:
        expected = [hit.docnum for hit in searcher.search(query, limit=limit, optimize=False)]
        # Whoosh counts exactly only without a limit: with one it drops parts of
        # a query that cannot reach the top results, and their matches go uncounted.
        everything = len(searcher.search(query, limit=None))
        allowed = set(searcher.docs_for_query(parse_syntax("category:hardware")))
        filtered = [hit.docnum for hit in searcher.search(query, limit=limit, optimize=False, filter=allowed)]
        everything_allowed = len(searcher.search(query, limit=None, filter=allowed))

        assert top_documents(searcher, plain_terms(query), limit, None) == (expected, everything)
        assert top_documents(searcher, plain_terms(query), limit, allowed) == (filtered, everything_allowed)


@pytest.mark.parametrize("text", ['"printer jam"', "printer AND jam", "title:printer", "printer NOT jam",
                                  "printer^2 OR jam"])
def test_other_queries_are_left_to_whoosh_or_scored_the_same(backend, text):
    query = parse_syntax(text)
    terms = plain_terms(query)
    if terms is None:
        return
    with backend._searcher() as searcher:
        expected = [hit.docnum for hit in searcher.search(query, limit=20, optimize=False)]
        assert top_documents(searcher, terms, 20, None)[0] == expected


def test_a_search_page_from_word_scoring_counts_exactly(backend):
    page = backend.query(SearchQuery("printer", per_page=5, page=2))
    with backend._searcher() as searcher:
        assert page.total == len(searcher.search(parse_syntax("printer"), limit=None))
    assert page.total_is_exact and len(page.items) == 5


@pytest.mark.parametrize("title", ["printer jam in the tray", "Rechnungen drucker", "scanner offline update"])
def test_similar_threads_are_ranked_as_whoosh_ranks_their_query(backend, title):
    from app.search.querying import similar_query

    with backend._searcher() as searcher:
        query = similar_query(searcher.reader(), title)
        expected = [hit.docnum for hit in searcher.search(query, limit=20, optimize=False)]
        assert top_documents(searcher, plain_terms(query), 20, None)[0] == expected


def _segment_ids(backend) -> set[str]:
    with backend._searcher() as searcher:
        return {reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()}


def _hot_files(backend) -> set[str]:
    folder = backend._generations.current().storage.folder
    return {path.name.removesuffix(hot_postings.EXTENSION) for path in Path(folder).glob("*" + hot_postings.EXTENSION)}


def test_every_segment_has_its_decoded_words_and_merged_segments_lose_theirs(tmp_path, monkeypatch):
    monkeypatch.setattr(hot_postings, "MIN_POSTINGS", 1)
    backend = WhooshBackend(tmp_path / "index")
    seen = set()
    for batch in range(12):  # enough commits for Whoosh to merge small segments
        backend.index(thread_doc(n, f"printer {n}", "paper jam") for n in range(batch * 5 + 1, batch * 5 + 6))
        seen |= _segment_ids(backend)
        assert _hot_files(backend) == _segment_ids(backend)
    assert len(seen) > len(_segment_ids(backend)), "no segment was merged away: the test proves nothing"
    with backend._searcher() as searcher:
        reader = searcher.reader()
        (segment_reader, _), *_ = reader.leaf_readers()
        btext = searcher.schema["title"].to_bytes("printer")
        ids, _weights = hot_postings.read(searcher._ix.storage.folder, segment_reader.segment().segment_id(),
                                          "title", btext)
        assert list(ids) == [docnum for docnum in segment_reader.postings("title", btext).all_ids()]
    backend.close()


def test_a_damaged_or_missing_file_means_decoding_the_blocks(backend):
    expected = backend.query(SearchQuery("printer jam", per_page=50))
    folder = backend._generations.current().storage.folder
    files = sorted(Path(folder).glob("*" + hot_postings.EXTENSION))
    assert files
    files[0].write_bytes(b"not what it was")
    for path in files[1:]:
        path.unlink()
    hot_postings.forget_headers()
    with word_scoring._postings_lock:
        word_scoring._postings_cache.clear()
    backend._pages = None
    assert backend.query(SearchQuery("printer jam", per_page=50)) == expected
