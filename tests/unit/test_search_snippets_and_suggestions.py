"""Snippets that never repeat a passage, cautious "did you mean", block-max totals and the searcher pool."""

import re

import pytest

from app.search import SearchQuery, WhooshBackend
from app.search.highlight import snippet_html

from test_search_backend import ids, search, thread_doc


@pytest.fixture
def backend(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    yield backend
    backend.close()


def _passages(snippet):
    return [re.sub(r"</?mark>", "", part) for part in snippet.split(" … ")]


@pytest.mark.parametrize("text", [
    "printer " + "word " * 12 + "printer " + "word " * 3 + "x " * 30 + " zz printer end",
    "The printer stopped after the update. Nothing else changed on the network here. "
    "Then the printer queue froze and the printer showed offline.",
])
def test_snippet_passages_never_overlap(text):
    passages = _passages(snippet_html(text, {"printer"}))

    # Each passage is a piece of the text, and they follow each other without sharing any of it.
    positions = [text.index(passage) for passage in passages]
    ends = [start + len(passage) for start, passage in zip(positions, passages)]
    assert all(ends[n] < positions[n + 1] for n in range(len(passages) - 1))
    assert positions == sorted(positions)


def test_snippet_comes_from_the_start_of_the_question_and_the_accepted_answer(backend):
    backend.index([thread_doc(1, "Printer", "Printer jams. " + "filler words here " * 60 + "printer again",
                              answers="printer in another answer", accepted="Reset the printer.")])

    snippet = search(backend, "printer").items[0].snippet_html

    assert "<mark>Printer</mark> jams." in snippet
    assert "again" not in snippet and "another answer" not in snippet


@pytest.fixture
def printers(backend):
    backend.index([thread_doc(n, f"Printer problem {n}", "The printer prints nothing.") for n in range(1, 9)])
    backend.index([thread_doc(20, "Office move", "The office moves."),
                   thread_doc(21, "Pointer lost", "Mouse pointer vanished.")])
    return backend


def test_suggest_leaves_a_query_alone_when_the_correction_finds_no_more(printers):
    # "offline" is unknown to this index; "office" is one edit away but adds almost nothing.
    assert printers.suggest("printer offline") is None
    assert search(printers, "printer offline").suggestion is None


def test_suggest_corrects_when_the_typed_words_find_nothing(printers):
    assert printers.suggest("pritner") == "printer"
    assert printers.suggest("offise") == "office"


def test_suggest_never_replaces_known_words(printers):
    assert printers.suggest("pointer") is None and printers.suggest("office printer") is None


def test_totals_beyond_the_first_pages_are_estimates_at_least_the_results_seen(backend):
    backend.index(thread_doc(n, f"Modem issue {n}", "modem " * (n % 7 + 1)) for n in range(1, 401))

    page = search(backend, "modem", per_page=10)
    deep = search(backend, "modem", per_page=10, page=3)
    few = search(backend, "modem issue 7", category="none")

    assert len(page.items) == 10 and 10 <= page.total <= 400 and page.pages == -(-page.total // 10)
    assert deep.total >= 30 and len(deep.items) == 10
    assert (few.total, few.total_is_exact) == (0, True)
    assert search(backend, "modem", sort="newest").total_is_exact


def test_searches_see_each_commit_and_rebuild_through_pooled_searchers_and_cached_pages(backend):
    backend.index([thread_doc(1, "Printer offline")])
    assert ids(search(backend, "printer")) == [1]
    assert ids(search(backend, "printer")) == [1]  # from the page cache

    backend.index([thread_doc(2, "Printer jams")])
    assert sorted(ids(search(backend, "printer"))) == [1, 2]

    backend.remove([1])
    assert ids(search(backend, "printer")) == [2]

    backend.rebuild([thread_doc(3, "Printer toner")])
    assert ids(search(backend, "printer")) == [3]
    assert backend.query(SearchQuery("printer")) == backend.query(SearchQuery("printer"))
