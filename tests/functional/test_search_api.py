"""Search through HTTP: ranking, filters, escaping, malformed queries, stemming, visibility."""
import re
import time

import pytest

from app.extensions import db
from app.models import User, Visibility
from app.services import staff_notes
from tests.search_fixtures import both_backends, forum, found_ids, search_index, search_json  # noqa: F401


@pytest.fixture()
def search_backend_kind(both_backends):
    """Every test here runs on Whoosh and, in the PostgreSQL leg, on PostgreSQL search."""
    return both_backends

pytestmark = pytest.mark.usefixtures("search_index")


def test_resolved_thread_with_the_words_in_its_title_beats_an_open_one_with_them_in_the_body(forum, search_index,
                                                                                               client):
    open_one = forum.thread("Something odd with my office device",
                            body="The duplex scanner jams on every second page since Monday.")
    solved = forum.thread("Duplex scanner jams", body="Paper gets stuck when scanning both sides.",
                          answers=["Clean the rollers of the feeder."], accept=0)
    search_index.drain()
    assert found_ids(client, q="duplex scanner jams")[:2] == [solved.id, open_one.id]


def test_newest_sort_and_every_filter(forum, search_index, client, frozen_clock):
    first = forum.thread("Invoice shows wrong VAT rate", category="billing", tags=("invoice",))
    frozen_clock.advance(days=3)
    second = forum.thread("Invoice PDF does not download", category="billing", tags=("pdf",),
                          answers=["Use the export button instead."], accept=0)
    frozen_clock.advance(days=3)
    third = forum.thread("Printer invoice address missing", category="printers", tags=("invoice",))
    search_index.drain()
    assert found_ids(client, q="invoice", sort="newest") == [third.id, second.id, first.id]
    assert set(found_ids(client, q="invoice", category="billing")) == {first.id, second.id}
    assert set(found_ids(client, q="invoice", tag="invoice")) == {first.id, third.id}
    assert found_ids(client, q="invoice", status="resolved") == [second.id]
    # Asked on 2 March, 5 March and 8 March 2026 (the frozen clock starts on 2 March).
    assert found_ids(client, q="invoice", date_from="2026-03-05", date_to="2026-03-05") == [second.id]
    assert set(found_ids(client, q="invoice", date_from="2026-03-05")) == {second.id, third.id}
    assert found_ids(client, q="invoice", date_to="2026-03-05", sort="newest") == [second.id, first.id]
    assert set(found_ids(client, q="", category="printers")) == {third.id}


def test_pagination_and_totals(forum, search_index, client):
    for number in range(5):
        forum.thread(f"Router number {number} keeps rebooting", tags=())
    search_index.drain()
    first = search_json(client, q="router", per_page=2)
    last = search_json(client, q="router", per_page=2, page=3)
    assert (first["total"], first["pages"], len(first["items"])) == (5, 3, 2)
    assert (last["page"], len(last["items"])) == (3, 1)
    assert not set(item["thread_id"] for item in first["items"]) & set(item["thread_id"] for item in last["items"])


@pytest.mark.parametrize("params,field", [({"status": "bogus"}, "status"), ({"sort": "best"}, "sort"),
                                          ({"page": "0"}, "page"), ({"date_from": "yesterday"}, "date_from"),
                                          ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_from")])
def test_meaningless_filters_are_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/search", query_string={"q": "printer", **params})
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_snippets_escape_post_text_and_mark_only_the_match(forum, search_index, client):
    thread = forum.thread("Widget shows a script error",
                          body="The console prints <script>alert('xss')</script> and <b>bold</b> zebrafish.")
    search_index.drain()
    item = search_json(client, q="zebrafish")["items"][0]
    assert item["thread_id"] == thread.id
    snippet = item["snippet_html"]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;/script&gt;" in snippet and "<mark>zebrafish</mark>" in snippet
    page = client.get("/search", query_string={"q": "zebrafish"}).get_data(as_text=True)
    assert "</script> and" not in page and "&lt;/script&gt; and" in page and "<mark>zebrafish</mark>" in page


MALFORMED = [
    '"unbalanced quote', "printer AND", "OR", "NOT", "AND OR NOT", "((printer", "printer)", "title:", ":", "tag:",
    "a" * 5000, "printer " * 900, "\x00\x01\x02 printer \x1b[31m", "🖨️ printer 🔥", "🙂", "*", "?", "pri*",
    "title:[a TO", "created_at:[2026 TO", "score:>>5", "{}[]^~\\", "\"\"\"", "printer^^^2", "'", "%", "  ",
    "<script>alert(1)</script>", "Rechnung ß ü é", "\u202e\u200b", "field:value:other", "NOT NOT NOT printer",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_queries_answer_200(forum, search_index, client, text):
    forum.thread("Printer offline after update", body="The printer stays offline since the update.")
    search_index.drain()
    data = search_json(client, q=text)
    assert isinstance(data["items"], list) and data["total"] >= 0
    assert client.get("/search", query_string={"q": text}).status_code == 200
    assert client.get("/api/v1/search/similar", query_string={"title": text}).status_code == 200


def test_query_syntax_works(forum, search_index, client):
    offline = forum.thread("Printer offline after update", tags=("p200",))
    jam = forum.thread("Printer paper jam in tray two", tags=("p300",))
    search_index.drain()
    assert found_ids(client, q="printer NOT offline") == [jam.id]
    assert found_ids(client, q='"paper jam"') == [jam.id]
    assert found_ids(client, q="tag:p200") == [offline.id]
    assert set(found_ids(client, q="offline OR jam")) == {offline.id, jam.id}


@pytest.mark.parametrize("written,searched", [("Rechnung", "Rechnungen"), ("Rechnungen", "Rechnung"),
                                              ("printer", "printers"), ("printers", "printer")])
def test_german_and_english_stemming(forum, search_index, client, written, searched):
    thread = forum.thread(f"Question about the {written} today", body="Nothing else to say about it here.")
    search_index.drain()
    assert found_ids(client, q=searched) == [thread.id]


def test_accents_fold(forum, search_index, client):
    thread = forum.thread("Café menu is not shown in the app")
    search_index.drain()
    assert found_ids(client, q="cafe") == [thread.id]


def test_did_you_mean(forum, search_index, client):
    forum.thread("Bluetooth headset disconnects", body="The bluetooth headset disconnects after a minute.")
    search_index.drain()
    data = search_json(client, q="bluetoth")
    assert data["suggestion"] == "bluetooth"
    page = client.get("/search", query_string={"q": "bluetoth"}).get_data(as_text=True)
    assert re.search(r'Did you mean <a href="/search\?q=bluetooth">bluetooth</a>\?', page)


@pytest.mark.parametrize("visibility", [Visibility.HIDDEN.value, Visibility.DELETED.value, Visibility.PENDING.value])
def test_hidden_deleted_and_pending_threads_never_come_back(forum, search_index, client, visibility):
    thread = forum.thread("Quokka firmware crashes", answers=["Try the quokka reset."], accept=0)
    search_index.drain()
    assert found_ids(client, q="quokka") == [thread.id]
    forum.set_visibility(visibility, thread_id=thread.id)
    # Before the indexer ran: the results are checked against the database.
    assert found_ids(client, q="quokka") == []
    assert client.get("/api/v1/search/similar", query_string={"title": "quokka firmware"}).get_json()["items"] == []
    search_index.drain()
    assert found_ids(client, q="quokka") == [] and search_json(client, q="quokka")["total"] == 0
    forum.set_visibility(Visibility.VISIBLE.value, thread_id=thread.id)
    search_index.drain()
    assert found_ids(client, q="quokka") == [thread.id]


def test_hidden_answers_and_staff_notes_are_not_searchable(app, forum, search_index, client):
    thread = forum.thread("Tablet will not charge", answers=["Replace the axolotl cable.", "Try another socket."])
    staff = forum.user("sam", role="staff")
    with app.app_context():
        staff_notes.add_thread_note(db.session.get(User, staff.id), thread.id, "Customer is a narwhal VIP.")
    forum.set_visibility(Visibility.HIDDEN.value, answer_id=thread.answer_ids[0])
    search_index.drain()
    assert found_ids(client, q="socket") == [thread.id]
    assert found_ids(client, q="axolotl") == []
    assert found_ids(client, q="narwhal") == []


def test_search_page_renders_results_filters_and_pagination(forum, search_index, client):
    for number in range(25):
        forum.thread(f"Scanner issue number {number}", tags=("scanner",))
    search_index.drain()
    page = client.get("/search?q=scanner")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "25 results for “scanner”" in html and 'rel="next"' in html and "Scanner issue number" in html
    assert client.get("/search?q=scanner&page=2").status_code == 200
    assert client.get("/search?q=scanner&status=nope").status_code == 400
    empty = client.get("/search").get_data(as_text=True)
    assert "browse solved questions" in empty


def test_similar_threads_resolved_first_within_100ms(forum, search_index, client):
    open_one = forum.thread("Printer driver install fails on Windows")
    solved = forum.thread("Printer driver install fails", answers=["Run the installer as admin."], accept=0)
    for number in range(8):
        forum.thread(f"Printer driver question {number}")
    search_index.drain()
    client.get("/api/v1/search/similar", query_string={"title": "warm up"})
    started = time.perf_counter()
    response = client.get("/api/v1/search/similar", query_string={"title": "driver install fails"})
    elapsed = time.perf_counter() - started
    items = response.get_json()["items"]
    assert elapsed < 0.1
    assert len(items) <= 5 and items[0]["thread_id"] == solved.id
    assert items[0]["accepted_answer_excerpt"] == "Run the installer as admin."
    assert open_one.id in [item["thread_id"] for item in items]
    assert client.get("/api/v1/search/similar").get_json()["items"] == []
