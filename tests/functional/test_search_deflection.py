"""Deflection: suggestions while asking, what the customer did next, and the metric it feeds."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DeflectionEvent
from tests.search_fixtures import both_backends, forum, search_index  # noqa: F401


@pytest.fixture()
def search_backend_kind(both_backends):
    """Every test here runs on Whoosh and, in the PostgreSQL leg, on PostgreSQL search."""
    return both_backends

KEY = "a1b2c3d4e5f60718"


def _events(app):
    with app.app_context():
        return [(e.session_key, e.outcome, e.suggested_thread_id, e.created_thread_id)
                for e in db.session.scalars(select(DeflectionEvent).order_by(DeflectionEvent.id))]


def test_opening_a_suggestion_is_recorded_for_a_member_with_the_csrf_header(app, forum, client, auth, monkeypatch):
    thread = forum.thread("Printer offline after update")
    auth.login("alice")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/ask").get_data(as_text=True)).group(1)
    payload = {"outcome": "opened", "session_key": KEY, "suggested_thread_id": thread.id}
    refused = client.post("/api/v1/search/deflection", json=payload)
    assert refused.status_code == 400 and _events(app) == []
    accepted = client.post("/api/v1/search/deflection", json=payload, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201 and accepted.get_json()["outcome"] == "opened"
    assert _events(app) == [(KEY, "opened", thread.id, None)]


def test_deflection_needs_a_user_and_valid_facts(app, forum, client, api):
    thread = forum.thread("Printer offline after update")
    payload = {"outcome": "left", "session_key": KEY, "suggested_thread_id": thread.id}
    assert client.post("/api/v1/search/deflection", json=payload).status_code == 401
    token = api.token("alice")
    for bad, field in (({"outcome": "maybe"}, "outcome"), ({"session_key": "x"}, "session_key"),
                       ({"suggested_thread_id": "7"}, "suggested_thread_id")):
        response = api.call("POST", "/api/v1/search/deflection", token, json={**payload, **bad})
        assert response.status_code == 400 and field in response.get_json()["error"]["fields"]
    assert api.call("POST", "/api/v1/search/deflection", token,
                    json={**payload, "suggested_thread_id": 999999}).status_code == 404
    assert api.call("POST", "/api/v1/search/deflection", token, json=payload).status_code == 201
    assert _events(app) == [(KEY, "left", thread.id, None)]


def test_posting_after_suggestions_is_recorded_by_the_ask_form(app, forum, client, auth):
    forum.category("printers")
    forum.user("alice")
    auth.login("alice")
    form = {"title": "Printer offline again today", "body": "It went offline once more.", "category": "printers",
            "tags": ""}
    assert client.post("/ask", data={**form, "suggestions_shown": KEY}).status_code == 302
    assert client.post("/ask", data={**form, "title": "Printer offline without suggestions"}).status_code == 302
    events = _events(app)
    assert len(events) == 1 and events[0][:2] == (KEY, "posted") and events[0][3] is not None


def test_ask_page_loads_the_suggestion_script(forum, client, auth):
    forum.category("printers")
    forum.user("alice")
    auth.login("alice")
    html = client.get("/ask").get_data(as_text=True)
    assert 'id="similar-threads"' in html and "js/kb.js" in html


def test_metrics_count_visits_that_opened_a_suggestion_and_did_not_post(app, forum, search_index, client, api):
    thread = forum.thread("Printer offline after update", answers=["Restart the spooler."], accept=0)
    forum.user("sam", role="staff")
    token = api.token("alice")
    for key, outcome in (("visit-one-1", "opened"), ("visit-two-2", "opened"), ("visit-two-2", "left"),
                         ("visit-three-3", "opened")):
        assert api.call("POST", "/api/v1/search/deflection", token,
                        json={"outcome": outcome, "session_key": key, "suggested_thread_id": thread.id}
                        ).status_code == 201
    client.post("/auth/login", data={"login": "alice", "password": "correct-horse-battery"})
    for title, key in (("Printer still offline after all", "visit-three-3"), ("Printer noise when idle", "visit-4444")):
        assert client.post("/ask", data={"title": title, "body": "Details of the problem.", "category": "printers",
                                         "tags": "", "suggestions_shown": key}).status_code == 302
    data = api.call("GET", "/api/v1/staff/metrics", api.token("sam")).get_json()
    # Deflected: visits one and two; asked anyway: visits three and four.
    assert data["deflected"] == 2 and data["asked_after_suggestions"] == 2
    assert data["deflection_rate"] == pytest.approx(0.5)
    printers = api.call("GET", "/api/v1/staff/metrics?category=printers", api.token("sam")).get_json()
    assert printers["deflection_rate"] == pytest.approx(0.5)
