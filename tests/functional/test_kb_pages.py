"""The knowledge base: browsing, articles, "was this helpful?", curation and duplicates."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Thread, ThreadEvent, User
from app.services import voting
from tests.search_fixtures import both_backends, forum, found_ids, search_index  # noqa: F401


@pytest.fixture()
def search_backend_kind(both_backends):
    """Every test here runs on Whoosh and, in the PostgreSQL leg, on PostgreSQL search."""
    return both_backends


def _vote(app, username, thread_id):
    with app.app_context():
        voter = db.session.scalar(select(User).where(User.username == username))
        voting.vote_thread(voter, db.session.get(Thread, thread_id), 1)


def test_kb_lists_solved_threads_most_useful_first_by_category_and_tag(app, forum, client):
    plain = forum.thread("Scanner makes noise", answers=["Oil the hinge."], accept=0, tags=("scanner",))
    voted = forum.thread("Scanner too slow", answers=["Lower the resolution."], accept=0, tags=("scanner",))
    other = forum.thread("Invoice address wrong", category="billing", answers=["Edit it in settings."], accept=0,
                         tags=("invoice",))
    unsolved = forum.thread("Scanner unsolved mystery", tags=("scanner",))
    forum.user("carol")
    _vote(app, "carol", voted.id)
    html = client.get("/kb").get_data(as_text=True)
    assert html.index("Scanner too slow") < html.index("Scanner makes noise")
    assert "Invoice address wrong" in html and "Scanner unsolved mystery" not in html
    billing = client.get("/kb?category=billing").get_data(as_text=True)
    assert "Invoice address wrong" in billing and "Scanner too slow" not in billing
    tagged = client.get("/kb?tag=scanner").get_data(as_text=True)
    assert "Scanner too slow" in tagged and "Invoice address wrong" not in tagged
    assert plain.id and other.id and unsolved.id


def test_article_shows_the_accepted_answer_first_and_counts_views(app, forum, client):
    thread = forum.thread("Router drops wifi", answers=["Move it away from the microwave.", "Update the firmware."],
                          accept=1)
    html = client.get(f"/kb/{thread.id}").get_data(as_text=True)
    assert html.index("Update the firmware.") < html.index("Router drops wifi</h1>") + 10_000
    assert html.index("Update the firmware.") < html.index("Move it away from the microwave.")
    assert html.index("Solution") < html.index("The question")
    client.get(f"/kb/{thread.id}")
    with app.app_context():
        assert db.session.get(Thread, thread.id).view_count == 2
    unsolved = forum.thread("Router unsolved")
    assert client.get(f"/kb/{unsolved.id}").headers["Location"].endswith(f"/threads/{unsolved.id}")
    assert client.get("/kb/99999").status_code == 404


def test_helpful_is_counted_once_per_anonymous_visitor_without_a_session(app, forum, client):
    thread = forum.thread("Router drops wifi", answers=["Update the firmware."], accept=0)
    page = client.get(f"/kb/{thread.id}")
    cookies = page.headers.getlist("Set-Cookie")
    assert any(c.startswith("pd_visitor=") for c in cookies) and not any(c.startswith("session=") for c in cookies)
    assert client.post(f"/kb/{thread.id}/helpful", data={"helpful": "yes"}).status_code == 303
    assert client.post(f"/kb/{thread.id}/helpful", data={"helpful": "no"}).status_code == 303
    with app.app_context():
        stored = db.session.get(Thread, thread.id)
        assert (stored.helpful_yes, stored.helpful_no) == (1, 0)
    assert "Thank you for your feedback" in client.get(f"/kb/{thread.id}").get_data(as_text=True)
    other_visitor = app.test_client()
    other_visitor.get(f"/kb/{thread.id}")
    other_visitor.post(f"/kb/{thread.id}/helpful", data={"helpful": "no"})
    cookieless = app.test_client()  # e.g. a cross-site form: no SameSite=Lax cookie, nothing counted
    cookieless.post(f"/kb/{thread.id}/helpful", data={"helpful": "no"})
    with app.app_context():
        stored = db.session.get(Thread, thread.id)
        assert (stored.helpful_yes, stored.helpful_no) == (1, 1)


def test_helpful_is_counted_once_per_member(app, forum, client, auth):
    thread = forum.thread("Router drops wifi", answers=["Update the firmware."], accept=0)
    forum.user("carol")
    auth.login("carol")
    client.post(f"/kb/{thread.id}/helpful", data={"helpful": "no"})
    client.post(f"/kb/{thread.id}/helpful", data={"helpful": "yes"})
    with app.app_context():
        stored = db.session.get(Thread, thread.id)
        assert (stored.helpful_yes, stored.helpful_no) == (0, 1)
    assert client.post(f"/kb/{thread.id}/helpful", data={"helpful": "maybe"}).status_code in (303, 400)


def test_staff_promote_a_solved_thread_to_an_article(app, forum, search_index, client, auth):
    thread = forum.thread("printer wont work pls help", answers=["Reinstall driver 4.2."], accept=0)
    forum.user("sam", role="staff")
    auth.login("alice")
    assert client.get(f"/kb/{thread.id}/manage").status_code == 403
    assert client.post(f"/kb/{thread.id}/promote", data={"title": "X" * 20}).status_code == 403
    assert client.post(f"/kb/{thread.id}/duplicate", data={"canonical": "1"}).status_code == 403
    auth.logout()
    auth.login("sam")
    assert client.get(f"/kb/{thread.id}/manage").status_code == 200
    response = client.post(f"/kb/{thread.id}/promote", data={
        "title": "Fix: printer stops working after the driver update",
        "summary": "Reinstall driver 4.2 from the downloads page.\nThen restart."})
    assert response.status_code == 302
    html = client.get(f"/kb/{thread.id}").get_data(as_text=True)
    assert "Fix: printer stops working after the driver update</h1>" in html
    assert html.index("Reinstall driver 4.2 from the downloads page.") < html.index("The question")
    assert "printer wont work pls help" in html
    search_index.drain()
    assert found_ids(client, q="downloads") == [thread.id]
    kb = client.get("/kb").get_data(as_text=True)
    assert "Fix: printer stops working after the driver update" in kb
    unsolved = forum.thread("Unsolved thread here")
    assert client.post(f"/kb/{unsolved.id}/promote", data={"title": "A fine title"}).status_code == 400


def test_close_as_duplicate_links_and_lets_the_canonical_be_found_by_the_duplicates_words(app, forum, search_index,
                                                                                          client, auth):
    canonical = forum.thread("Printer offline after update", body="After the firmware update it stays offline.",
                             answers=["Reset the network settings."], accept=0)
    duplicate = forum.thread("Kyocera shows Verbindung getrennt", body="My Kyocera says Verbindung getrennt.",
                             tags=("kyocera",))
    search_index.drain()
    assert found_ids(client, q="Kyocera") == [duplicate.id]
    forum.user("sam", role="staff")
    auth.login("sam")
    bad = client.post(f"/kb/{duplicate.id}/duplicate", data={"canonical": str(duplicate.id)})
    assert bad.status_code == 400 and "cannot be a duplicate of itself" in bad.get_data(as_text=True)
    assert client.post(f"/kb/{duplicate.id}/duplicate", data={"canonical": "99999"}).status_code == 400
    response = client.post(f"/kb/{duplicate.id}/duplicate",
                           data={"canonical": f"http://localhost/threads/{canonical.id}"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(Thread, duplicate.id)
        assert (stored.status, stored.duplicate_of_id) == ("closed", canonical.id)
        assert "Kyocera" in db.session.get(Thread, canonical.id).extra_search_terms
        event = db.session.scalar(select(ThreadEvent).where(ThreadEvent.thread_id == duplicate.id,
                                                            ThreadEvent.kind == "closed"))
        assert event.detail == {"reason": "duplicate", "duplicate_of": canonical.id}
    search_index.drain()
    assert found_ids(client, q="Verbindung getrennt", status="resolved") == [canonical.id]
    assert found_ids(client, q="kyocera") == [canonical.id]  # the duplicate itself left the index
    manage = client.get(f"/kb/{duplicate.id}/manage").get_data(as_text=True)
    assert re.search(rf'href="/threads/{canonical.id}">Printer offline after update</a>', manage)
    visitor_page = app.test_client().get(f"/threads/{duplicate.id}").get_data(as_text=True)
    assert f'<a href="/threads/{canonical.id}">the original question</a>' in visitor_page
    again = client.post(f"/kb/{duplicate.id}/duplicate", data={"canonical": str(canonical.id)})
    assert again.status_code == 400


def test_staff_see_the_curation_link_on_articles(forum, client, auth):
    thread = forum.thread("Router drops wifi", answers=["Update the firmware."], accept=0)
    forum.user("sam", role="staff")
    assert "/manage" not in client.get(f"/kb/{thread.id}").get_data(as_text=True)
    auth.login("sam")
    assert f"/kb/{thread.id}/manage" in client.get(f"/kb/{thread.id}").get_data(as_text=True)
