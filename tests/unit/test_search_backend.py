"""The search backends without the app: the contract on both Whoosh (a temporary index) and
PostgreSQL (the search tables of the test database, in the PostgreSQL leg), then what is
particular to each. Differences between them are asserted, not hidden (README, "Search backends").
"""

import logging
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.models import SearchDocument, SearchWord
from app.search import (
    NullBackend,
    PostgresBackend,
    SearchPage,
    SearchQuery,
    ThreadDocument,
    WhooshBackend,
    make_backend,
)
from config import normalise_database_url

START = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def thread_doc(
    thread_id,
    title="",
    question="",
    *,
    answers="",
    accepted="",
    extra="",
    tags=(),
    category="general",
    status="unanswered",
    created_at=None,
    version="v1",
):
    created_at = created_at or START + timedelta(days=thread_id)
    return ThreadDocument(
        thread_id=thread_id,
        title=title,
        question_text=question,
        answers_text=answers,
        accepted_answer_text=accepted,
        extra_terms=extra,
        tags=list(tags),
        category=category,
        status=status,
        author="alice",
        created_at=created_at,
        last_activity_at=created_at,
        score=thread_id,
        has_accepted=bool(accepted),
        version=version,
    )


BACKENDS = ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def search_engine(database_url):
    """The test database with the search tables (and their extensions and configurations)."""
    engine = create_engine(normalise_database_url(database_url))
    db.metadata.create_all(engine, tables=[SearchDocument.__table__, SearchWord.__table__])
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "whoosh":
        yield WhooshBackend(tmp_path / "index")
        return
    engine = request.getfixturevalue("search_engine")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM search_documents"))
        connection.execute(text("DELETE FROM search_words"))
        connection.execute(text("ANALYZE search_documents"))
    yield PostgresBackend(engine)


def on_postgres(backend) -> bool:
    return isinstance(backend, PostgresBackend)


def search(backend, text, **filters):
    return backend.query(SearchQuery(text, **filters))


def ids(page):
    return [hit.thread_id for hit in page.items]


# Ranking


def test_resolved_thread_with_words_in_title_beats_open_one_with_them_in_body(backend):
    backend.index([
        thread_doc(1, "Question about the office", "The printer jams. Printer jams again."),
        thread_doc(2, "Printer jams", "It happened today.",
                   status="resolved", accepted="Clean it."),
    ])

    assert ids(search(backend, "printer jams")) == [2, 1]


@pytest.mark.parametrize("status", ["resolved", "answered"])
def test_thread_with_accepted_answer_outranks_an_otherwise_equal_open_one(backend, status):
    backend.index([thread_doc(1, "Scanner offline", "It is offline.", answers="Restart it.")])
    backend.index([thread_doc(2, "Scanner offline", "It is offline.",
                              status=status, accepted="Restart it.")])

    assert ids(search(backend, "scanner")) == [2, 1]


def test_accepted_answer_counts_more_than_other_answers(backend):
    backend.index([
        thread_doc(1, "Router", "Help", accepted="Check the cable.", answers="New firmware."),
        thread_doc(2, "Router", "Help", accepted="New firmware.", answers="Check the cable."),
    ])

    assert ids(search(backend, "firmware")) == [2, 1]


# Filters, sorting, paging


@pytest.fixture
def catalogue(backend):
    backend.index([
        thread_doc(1, "Invoice missing", category="billing", tags=["invoice"],
                   created_at=datetime(2025, 1, 10, tzinfo=timezone.utc)),
        thread_doc(2, "Invoice wrong", category="billing", tags=["invoice", "tax"],
                   status="resolved", accepted="Fixed.",
                   created_at=datetime(2025, 2, 10, tzinfo=timezone.utc)),
        thread_doc(3, "Invoice printer", category="hardware", tags=["printer"],
                   created_at=datetime(2025, 3, 10, 23, 30, tzinfo=timezone.utc)),
    ])
    return backend


@pytest.mark.parametrize("filters, expected", [
    ({"category": "billing"}, {1, 2}),
    ({"category": "hardware"}, {3}),
    ({"tag": "tax"}, {2}),
    ({"tag": "Invoice"}, {1, 2}),
    ({"status": "resolved"}, {2}),
    ({"date_from": date(2025, 2, 1)}, {2, 3}),
    ({"date_to": date(2025, 3, 10)}, {1, 2, 3}),
    ({"date_to": date(2025, 3, 9)}, {1, 2}),
    ({"date_from": datetime(2025, 2, 10, 1, 0, tzinfo=timezone(timedelta(hours=2)))}, {2, 3}),
    ({"date_from": date(2025, 1, 15), "date_to": date(2025, 2, 28)}, {2}),
    ({"category": "billing", "status": "unanswered"}, {1}),
])
def test_filters_restrict_results(catalogue, filters, expected):
    assert set(ids(search(catalogue, "invoice", **filters))) == expected


def test_blank_text_lists_filtered_threads_newest_first(catalogue):
    assert ids(search(catalogue, "  ", category="billing")) == [2, 1]


def test_newest_sort_orders_by_creation_time(backend):
    backend.index([
        thread_doc(1, "Printer printer", created_at=datetime(2025, 1, 3, tzinfo=timezone.utc)),
        thread_doc(2, "Printer", created_at=datetime(2025, 1, 9, tzinfo=timezone.utc)),
        thread_doc(3, "Old printer", created_at=datetime(2024, 12, 1, tzinfo=timezone.utc)),
    ])

    assert ids(search(backend, "printer", sort="newest")) == [2, 1, 3]


def test_pages_split_all_results_and_report_totals(backend):
    backend.index(thread_doc(n, f"Modem issue {n}") for n in range(1, 26))

    pages = [search(backend, "modem", per_page=10, page=n) for n in (1, 2, 3, 4)]

    assert [(p.total, p.pages, p.page, len(p.items)) for p in pages] == [
        (25, 3, 1, 10), (25, 3, 2, 10), (25, 3, 3, 5), (25, 3, 4, 0)]
    assert sorted(i for p in pages for i in ids(p)) == list(range(1, 26))


def test_hits_carry_the_stored_thread_facts(backend):
    backend.index([thread_doc(7, "Printer jams", "Paper stuck.", tags=["printer", "paper"],
                              category="hardware", status="resolved",
                              accepted="Open the back cover. " * 30)])

    hit = search(backend, "printer").items[0]

    assert (hit.thread_id, hit.title, hit.status, hit.score, hit.category, hit.tags) == (
        7, "Printer jams", "resolved", 7, "hardware", ["printer", "paper"])
    assert hit.created_at == START + timedelta(days=7)
    assert hit.accepted_answer_excerpt.startswith("Open the back cover. Open")
    assert hit.accepted_answer_excerpt.endswith("…")
    assert len(hit.accepted_answer_excerpt) <= 201


# Snippets


def test_snippet_marks_matches_and_escapes_everything_else(backend):
    backend.index([thread_doc(1, "Odd", 'My printer <script>alert("x")</script> & <b>bold</b>')])

    snippet = search(backend, "printer").items[0].snippet_html

    assert "<mark>printer</mark>" in snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in snippet
    assert set(re.findall(r"<[^>]*>", snippet)) == {"<mark>", "</mark>"}


def test_snippet_without_a_match_in_the_body_is_the_escaped_start(backend):
    backend.index([thread_doc(1, "Printer", "<i>nothing</i> relevant here")])

    snippet = search(backend, "printer").items[0].snippet_html

    assert snippet == "&lt;i&gt;nothing&lt;/i&gt; relevant here"


def test_snippet_marks_other_forms_of_the_query_words(backend):
    backend.index([thread_doc(1, "Drucker", "Die Rechnungen und der Printer")])

    snippet = search(backend, "rechnung printers").items[0].snippet_html

    assert "<mark>Rechnungen</mark>" in snippet and "<mark>Printer</mark>" in snippet


# Query syntax and malformed input


@pytest.fixture
def printers(backend):
    backend.index([
        thread_doc(1, "Printer jams on paper", "It jams on thick paper.", tags=["printer"]),
        thread_doc(2, "Scanner offline", "The scanner lost its network.", tags=["scanner"]),
        thread_doc(3, "Printer offline", "The printer is offline since Monday.", tags=["printer"]),
    ])
    return backend


@pytest.mark.parametrize("text, expected", [
    ("printer AND jams", {1}),
    ("printer NOT offline", {1}),
    ("offline OR jams", {1, 2, 3}),
    ('"printer jams"', {1}),
    ('"jams printer"', set()),
    ('"printers jammed"', {1}),
    ("tag:scanner", {2}),
    ("tags:printer AND offline", {3}),
    ("title:offline", {2, 3}),
    ("status:unanswered AND monday", {3}),
])
def test_whoosh_query_syntax_works(printers, text, expected):
    assert set(ids(search(printers, text))) == expected


MALFORMED = [
    '"unbalanced quote', 'printer "jams', '"', "'", "AND", "OR", "NOT", "AND OR NOT",
    "((", "))", "(printer", "printer)", "printer AND", "NOT NOT NOT", "x" * 5000,
    "printer " * 1000, "\x00printer\x00", "\x07\x1b[31mprinter\x1b[0m", "\ud800printer",
    "🖨️ printer 🔥", "🔥", "*", "?", "printer*", "~", "^", "printer^x", "title:", ":",
    "tag:", "*:*", "created_at:[foo TO bar]", "score:[a TO 99999999999999999999999]",
    'tags:"printer scanner"', "[", "{", "title:[a TO", "\\", "printer~2", "", "   ",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_queries_return_a_page(printers, text):
    page = search(printers, text)

    assert isinstance(page, SearchPage)
    assert len(page.items) == min(page.total, 20)


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_titles_and_suggestions_do_not_raise(printers, text):
    similar, suggestion = printers.similar(text), printers.suggest(text)

    assert isinstance(similar, list) and (suggestion is None or isinstance(suggestion, str))


def test_query_whoosh_cannot_run_falls_back_to_its_words(printers, caplog):
    with caplog.at_level(logging.INFO, logger="app.search.whoosh_backend"):
        page = search(printers, "created_at:[foo TO bar] scanner")

    assert ids(page) == [2]
    if not on_postgres(printers):
        assert "syntax failed" in caplog.text


@pytest.mark.parametrize("text, expected", [
    ("printer jams", {1}),  # every word must occur
    ("printer scanner network", {2}),  # none has all three: any of them, best first
    ("printer -offline", {1}),
    ("printer jams or scanner", {1, 2}),
])
def test_postgres_requires_every_word_unless_none_has_them_all(printers, text, expected):
    if not on_postgres(printers):
        pytest.skip("Whoosh finds threads with any of the words, best first")
    page = search(printers, text)
    assert set(ids(page)) >= expected and ids(page)[0] in expected


def test_long_query_is_cut_after_500_characters(printers):
    assert ids(search(printers, "scanner " + "zzz " * 2000)) == [2]
    assert ids(search(printers, "zzz " * 123 + "scanner")) == [2]  # 499 characters
    assert ids(search(printers, "zzz " * 124 + "scanner")) == []


# Language


@pytest.mark.parametrize("indexed, searched", [
    ("Die Rechnung fehlt", "Rechnungen"),
    ("Alle Rechnungen fehlen", "Rechnung"),
    ("Der Drucker druckt nicht", "Druckern"),
    ("The printer is broken", "printers"),
    ("All printers are broken", "printer"),
    ("Printing stopped", "printed"),
    ("Ein Café in München", "cafe munchen"),
    ("Die Straße ist gesperrt", "Strasse"),
    ("naïve résumé", "NAIVE RESUME"),
])
def test_stemming_and_accent_folding_find_other_forms(backend, indexed, searched):
    backend.index([thread_doc(1, "Post", indexed), thread_doc(2, "Other", "Something unrelated")])

    assert ids(search(backend, searched)) == [1]


def test_stop_words_alone_find_nothing(printers):
    assert search(printers, "the and der die das").total == 0


# Suggestions


@pytest.fixture
def spelled(backend):
    backend.index([
        thread_doc(1, "Printer offline", "The printer is offline."),
        thread_doc(2, "Printer jams", "Printer paper jams."),
        thread_doc(3, "Pointer lost", "Mouse pointer vanished."),
    ])
    return backend


@pytest.mark.parametrize("text, suggestion", [
    ("pritner", "printer"),
    ("pritner jams", "printer jams"),
    ("pritner AND ofline", "printer AND offline"),
    ("printer", None),
    ("printers", None),
    ("qqqqzzzz", None),
    ("the", None),
    ("pritner\x00\x07", "printer"),
    ("\ud800pritner\u200b", "printer"),
])
def test_suggest_corrects_unknown_words_from_the_index(spelled, text, suggestion):
    assert spelled.suggest(text) == suggestion


def test_search_page_carries_the_suggestion(spelled):
    page = search(spelled, "pritner")

    assert (page.total, page.suggestion) == (0, "printer")


# Similar threads


def test_similar_ranks_by_relevance_and_lets_standing_break_ties(backend):
    backend.index([thread_doc(n, "Printer paper jam in tray", "Jam again.") for n in range(1, 5)])
    backend.index([
        thread_doc(5, "Printer paper jam in tray", "Jam again.", status="resolved", accepted="Remove the paper."),
        thread_doc(6, "Monitor flickers", "Flicker.", status="resolved", accepted="Cable."),
    ])

    similar = backend.similar("printer paper jam in the tray")

    assert [hit.thread_id for hit in similar][0] == 5
    assert sorted(hit.thread_id for hit in similar) == [1, 2, 3, 4, 5]
    assert similar[0].accepted_answer_excerpt == "Remove the paper."


def test_similar_never_lifts_a_resolved_thread_over_a_better_match(backend):
    """Issue #11: "My printer is not found on Wi-Fi" suggested the resolved return thread first."""
    backend.index([
        thread_doc(1, "How do I return a damaged printer?", "It arrived broken.", status="resolved",
                   accepted="Use the returns form."),
        thread_doc(2, "Wi-Fi setup fails at step 3", "The printer setup times out while connecting to Wi-Fi."),
    ])

    assert [hit.thread_id for hit in backend.similar("My printer is not found on Wi-Fi")][0] == 2


def test_similar_respects_the_limit_and_ignores_answers(backend):
    backend.index([
        thread_doc(1, "Printer offline", "Since Monday."),
        thread_doc(2, "Scanner", "Broken.", answers="Maybe the printer driver?"),
    ])

    assert [hit.thread_id for hit in backend.similar("printer", limit=1)] == [1]
    assert [hit.thread_id for hit in backend.similar("printer")] == [1]


# Writing


def test_remove_drops_threads_and_ignores_unknown_ids(printers):
    printers.remove([1, 99])

    assert set(ids(search(printers, "printer"))) == {3}


def test_replaying_index_keeps_one_document_per_thread(backend):
    doc = thread_doc(1, "Printer offline")
    backend.index([doc])
    backend.index([doc])
    backend.index([doc, doc])

    assert search(backend, "printer").total == 1
    assert backend.doc_versions() == {1: "v1"}


def test_reindexing_a_thread_replaces_its_content(backend):
    backend.index([thread_doc(1, "Printer offline")])
    backend.index([thread_doc(1, "Scanner", version="v2"), thread_doc(1, "Modem", version="v3")])

    assert (search(backend, "printer").total, search(backend, "scanner").total) == (0, 0)
    assert ids(search(backend, "modem")) == [1]
    assert backend.doc_versions() == {1: "v3"}


def test_clear_empties_the_index(printers):
    printers.clear()

    assert (search(printers, "printer").total, printers.doc_versions()) == (0, {})


def test_rebuild_replaces_the_index_and_reports_progress(backend):
    backend.index([thread_doc(1, "Printer offline")])
    reported = []

    count = backend.rebuild((thread_doc(n, f"Scanner {n}") for n in range(2, 252)), reported.append)

    assert count == 250 and sum(reported) == 250 and len(reported) == 3
    assert search(backend, "printer").total == 0
    assert search(backend, "scanner").total == 250


def test_rebuild_keeps_a_single_generation_on_disk(tmp_path):
    backend = WhooshBackend(tmp_path)
    backend.rebuild([thread_doc(1, "Printer")])
    backend.rebuild([thread_doc(2, "Scanner")])

    generations = sorted(path.name for path in tmp_path.iterdir() if path.is_dir())
    assert generations == [(tmp_path / "CURRENT").read_text()]


def test_failed_rebuild_leaves_the_index_untouched(tmp_path):
    backend = WhooshBackend(tmp_path)
    backend.index([thread_doc(1, "Printer")])
    before = sorted(tmp_path.iterdir())

    def broken_docs():
        yield thread_doc(2, "Scanner")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken_docs())

    assert sorted(tmp_path.iterdir()) == before
    assert ids(search(backend, "printer")) == [1]


def search_during(work, backends):
    """Run ``work`` while each backend searches in a loop of its own thread.

    Returns the failures and the totals the searches saw.
    """
    working = True
    failures, totals = [], []

    def search_in_a_loop(backend):
        while working:
            try:
                totals.append(search(backend, "printer").total)
            except Exception as error:  # reported to the test, which fails on any
                failures.append(error)
            time.sleep(0.002)  # leave the writer its share of the interpreter

    threads = [threading.Thread(target=search_in_a_loop, args=(b,)) for b in backends]
    for thread in threads:
        thread.start()
    try:
        work()
    finally:
        working = False
        for thread in threads:
            thread.join()
    return failures, totals


def test_searches_keep_working_while_rebuilds_swap_generations(tmp_path):
    writer = WhooshBackend(tmp_path)
    reader = WhooshBackend(tmp_path)  # as another process would, sharing only the directory
    docs = [thread_doc(n, f"Printer problem {n}", "The printer is offline.") for n in range(1, 151)]
    writer.rebuild(docs)

    def rebuild_three_times():
        for _ in range(3):
            writer.rebuild(docs)

    failures, totals = search_during(rebuild_three_times, [writer, reader])

    assert failures == []
    assert len(totals) > 10 and set(totals) == {150}


# When a merge deletes a segment while Whoosh opens a multi-segment reader, it
# retries but leaves the segments it had opened to the garbage collector
# (whoosh.index.FileIndex._reader); nothing outside Whoosh can close them.
@pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name=.*[.]seg'"
    ":pytest.PytestUnraisableExceptionWarning"
)
def test_searches_keep_working_while_the_indexer_commits_and_merges(tmp_path):
    writer = WhooshBackend(tmp_path)
    reader = WhooshBackend(tmp_path)

    def index_one_by_one():
        for n in range(1, 41):
            writer.index([thread_doc(n, f"Printer problem {n}", "The printer is offline.")])

    failures, totals = search_during(index_one_by_one, [writer, reader])

    assert failures == [] and len(totals) > 10
    assert search(reader, "printer").total == 40


# Damaged index directories

# Whoosh leaves a table-of-contents file open when reading it fails on garbage
# (whoosh.index.TOC.read); nothing outside Whoosh can close it.
WHOOSH_LEAKS_GARBLED_TOC = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name=.*_MAIN_[0-9]+[.]toc"
    ":pytest.PytestUnraisableExceptionWarning"
)


def _garble(directory):
    for path in directory.iterdir():
        if path.is_file():
            path.write_bytes(b"\x80garbage\x00" * 50)


def test_missing_index_directory_is_created_empty(tmp_path):
    backend = WhooshBackend(tmp_path / "not" / "there")

    assert backend.is_healthy()
    assert search(backend, "printer").total == 0


@WHOOSH_LEAKS_GARBLED_TOC
def test_garbled_index_is_replaced_by_an_empty_one_on_opening(tmp_path, caplog):
    WhooshBackend(tmp_path).index([thread_doc(1, "Printer")])
    _garble(tmp_path / (tmp_path / "CURRENT").read_text())

    with caplog.at_level(logging.WARNING, logger="app.search.generations"):
        backend = WhooshBackend(tmp_path)

    assert "flask search reindex" in caplog.text
    assert backend.is_healthy()
    assert search(backend, "printer").total == 0
    backend.index([thread_doc(2, "Printer")])
    assert ids(search(backend, "printer")) == [2]


@pytest.mark.parametrize("pointer", [b"\xff\xfe garbage", b"gen-999", b"../../etc"])
def test_garbled_pointer_is_replaced_by_an_empty_index(tmp_path, pointer):
    WhooshBackend(tmp_path).index([thread_doc(1, "Printer")])
    (tmp_path / "CURRENT").write_bytes(pointer)

    backend = WhooshBackend(tmp_path)

    assert backend.is_healthy() and search(backend, "printer").total == 0


@WHOOSH_LEAKS_GARBLED_TOC
def test_index_garbled_while_open_recovers_at_the_next_search(tmp_path):
    backend = WhooshBackend(tmp_path)
    backend.index([thread_doc(1, "Printer")])
    _garble(tmp_path / (tmp_path / "CURRENT").read_text())

    assert search(backend, "printer").total == 0
    backend.index([thread_doc(2, "Printer")])
    assert ids(search(backend, "printer")) == [2]


# Construction


def test_make_backend_chooses_by_name(tmp_path):
    assert isinstance(make_backend("whoosh", tmp_path), WhooshBackend)
    assert isinstance(make_backend("null"), NullBackend)
    with pytest.raises(ValueError):
        make_backend("elastic", tmp_path)
    with pytest.raises(ValueError):
        make_backend("whoosh")
    with pytest.raises(ValueError):
        make_backend("postgres")
    with pytest.raises(ValueError, match="needs a PostgreSQL database"):
        make_backend("postgres", engine=create_engine(f"sqlite:///{tmp_path / 'not-postgres.db'}"))


def test_null_backend_keeps_and_finds_nothing():
    backend = NullBackend()
    backend.index([thread_doc(1, "Printer")])

    assert backend.query(SearchQuery("printer", page=2)) == SearchPage([], 0, 2, 0, None)
    assert (backend.similar("printer"), backend.suggest("pritner")) == ([], None)
    assert (backend.rebuild([thread_doc(1, "Printer")]), backend.doc_versions()) == (0, {})
    assert backend.is_healthy()


@pytest.mark.parametrize("arguments", [
    {"sort": "oldest"}, {"page": 0}, {"per_page": 0}, {"per_page": 101}, {"status": "open"},
])
def test_search_query_refuses_values_it_cannot_mean(arguments):
    with pytest.raises(ValueError):
        SearchQuery("printer", **arguments)


# PostgreSQL: many matches are ranked among candidates, and counted up to a bound


def test_postgres_ranks_candidates_by_title_and_standing_among_many_matches(backend, monkeypatch):
    if not on_postgres(backend):
        pytest.skip("Whoosh ranks every match")
    from app.search import postgres_backend

    monkeypatch.setattr(postgres_backend, "RANKED_IN_FULL", 3)
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 2)
    monkeypatch.setattr(postgres_backend, "COUNTED_EXACTLY", 6)
    backend.index(thread_doc(n, f"Question {n}", "The toner is low. Toner again.") for n in range(1, 9))
    backend.index([thread_doc(20, "Toner smudges", "Since today."),
                   thread_doc(21, "Question", "Toner.", status="resolved", accepted="Shake it.")])

    page = search(backend, "toner", per_page=2)

    assert ids(page) == [20, 21]  # the title match, then the resolved one; neither is the newest
    assert (page.total_is_exact, page.total >= 6) == (False, True)
    assert search(backend, "smudges").total_is_exact
