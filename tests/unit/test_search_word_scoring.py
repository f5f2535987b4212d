"""Word scoring ranks plain-word queries exactly as Whoosh's own search does."""

import random

import pytest

from app.search import SearchQuery, WhooshBackend
from app.search.querying import parse_syntax
from app.search.word_scoring import plain_terms, top_documents

from test_search_backend import thread_doc

WORDS = "printer paper jam toner driver scanner offline network update invoice Rechnungen drucker".split()


@pytest.fixture
def backend(tmp_path):
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
