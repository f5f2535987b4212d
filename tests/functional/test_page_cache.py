"""The visitor page cache: what it serves, what it never holds, and that every change shows at once.

Each write goes through the same app (its own HTTP route or service) and
the very next visitor request must show it; the cache's own counters
prove the page was a hit before, so a test passing with the cache
accidentally off is impossible.
"""
import gzip
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import update

from werkzeug.test import Client

from app import clock, pagecache
from app.extensions import db
from app.models import Announcement, Answer, Category, Thread, User, Visibility
from app.pagecache import rules
from app.pagecache.stores import MemoryPageCache, RedisPageCache
from tests.conftest import PASSWORD, START

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextmanager
def page_cache_on(app, cache):
    """The test app with a cache in front (a second app would take over the process-wide Socket.IO server)."""
    inner = app.wsgi_app
    pagecache.enable(app, cache)
    try:
        yield app
    finally:
        app.wsgi_app = inner
        app.extensions.pop("pagecache", None)


@pytest.fixture()
def cached_app(app, tmp_path):
    """The test app with the memory store, its generations in a temporary file."""
    with page_cache_on(app, MemoryPageCache(16 * 1024 * 1024, str(tmp_path / "generations"))) as application:
        yield application


@pytest.fixture()
def visitor(cached_app):
    return cached_app.test_client()


@pytest.fixture()
def member_client(cached_app):
    def login(username):
        client = cached_app.test_client()
        response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return login


@pytest.fixture()
def forum(make):
    """A thread by alice with one answer by bob; carla and the staff member sam can act on it."""
    make.category()
    users = {name: make.user(name) for name in ("alice", "bob", "carla")}
    users["sam"] = make.user("sam", role="staff")
    users["admin"] = make.user("admin", role="admin")
    thread_id = make.thread(users["alice"], title="Printer shows error E42")
    answer_id = make.answer(users["bob"], thread_id, body="Unplug it for thirty seconds.")
    return type("Forum", (), {"users": users, "thread_id": thread_id, "answer_id": answer_id})


def cached_get(client, path, **kwargs):
    """GET twice: the second answer must come from the cache, else the test would prove nothing."""
    first = client.get(path, **kwargs)
    assert first.status_code == 200
    second = client.get(path, **kwargs)
    assert second.headers.get("X-Page-Cache") == "hit", f"{path} was not cached"
    assert second.data == first.data
    return second


def fresh_get(client, path, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200
    assert response.headers.get("X-Page-Cache") == "miss", f"{path} was served stale from the cache"
    return response


PAGES = ("/threads/{id}", "/", "/api/v1/threads/{id}", "/api/v1/threads")


def warm(visitor, thread_id):
    for page in PAGES:
        cached_get(visitor, page.format(id=thread_id))


def all_fresh(visitor, thread_id):
    return {page: fresh_get(visitor, page.format(id=thread_id)) for page in PAGES}


# -- what is cached, keyed how ------------------------------------------------------------------------------

def test_visitor_pages_are_served_from_the_cache(forum, visitor):
    warm(visitor, forum.thread_id)
    assert visitor.get(f"/threads/{forum.thread_id}").headers["X-Page-Cache"] == "hit"


def test_each_language_has_its_own_entry(forum, visitor):
    english = cached_get(visitor, "/", headers={"Accept-Language": "en"})
    german = fresh_get(visitor, "/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert b'<html lang="en">' in english.data and b'<html lang="de">' in german.data
    assert visitor.get("/", headers={"Accept-Language": "de"}).headers["X-Page-Cache"] == "hit"


def test_query_string_is_part_of_the_key(forum, visitor):
    cached_get(visitor, "/")
    fresh_get(visitor, "/?sort=newest")


def test_a_missing_thread_is_not_cached(forum, visitor):
    for _ in range(2):
        response = visitor.get("/threads/999999")
        assert response.status_code == 404 and response.headers.get("X-Page-Cache") == "miss"


def test_entries_expire_so_relative_times_stay_true(forum, visitor, cached_app):
    cached_get(visitor, "/")
    clock.FrozenClock(clock.now() + timedelta(seconds=cached_app.config["PAGE_CACHE_SECONDS"] + 1))
    fresh_get(visitor, "/")


def test_pages_are_stored_compressed_and_sent_compressed_to_who_accepts_it(forum, visitor, cached_app):
    path = f"/threads/{forum.thread_id}"
    plain = visitor.get(path)
    assert plain.headers["X-Page-Cache"] == "miss" and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"] and "Cookie" in plain.headers["Vary"]
    compressed = visitor.get(path, headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert compressed.headers["X-Page-Cache"] == "hit" and compressed.headers["Content-Encoding"] == "gzip"
    assert int(compressed.headers["Content-Length"]) == len(compressed.data) < len(plain.data) / 2
    assert gzip.decompress(compressed.data) == plain.data
    assert "Accept-Encoding" in compressed.headers["Vary"]
    for refused in ({}, {"Accept-Encoding": "gzip;q=0"}, {"Accept-Encoding": "identity"}):
        inflated = visitor.get(path, headers=refused)
        assert inflated.headers["X-Page-Cache"] == "hit" and "Content-Encoding" not in inflated.headers
        assert inflated.data == plain.data and int(inflated.headers["Content-Length"]) == len(plain.data)
    head = visitor.head(path, headers={"Accept-Encoding": "gzip"})
    assert head.data == b"" and head.headers["Content-Length"] == compressed.headers["Content-Length"]
    assert cached_app.extensions["pagecache"].stats()["bytes"] < len(plain.data)



def test_stored_pages_share_one_copy_of_their_headers(forum, visitor, cached_app, make):
    other = make.thread(forum.users["bob"], title="Scanner skips every second page")
    for thread_id in (forum.thread_id, other):
        assert visitor.get(f"/threads/{thread_id}").headers["X-Page-Cache"] == "miss"
    first, second = cached_app.extensions["pagecache"]._entries.values()
    assert first.headers is second.headers and ("Vary", "Cookie, Accept-Encoding") in first.headers

def test_a_page_stored_before_compression_is_served_as_stored():
    from app.pagecache.middleware import _as_accepted
    from app.pagecache.stores import Entry

    old = Entry.loads(b'[[1, 2], 9.5, "200 OK", [["Content-Length", "5"]]]\nhello')
    assert old.encoding == "" and old.body == b"hello"
    assert _as_accepted(old, {"HTTP_ACCEPT_ENCODING": "gzip"}) == ([("Content-Length", "5")], b"hello")
    new = Entry.loads(Entry((1,), 9.5, "200 OK", [], gzip.compress(b"hello"), "gzip").dumps())
    assert _as_accepted(new, {}) == ([("Content-Length", "5")], b"hello")


# -- never for someone with an identity ----------------------------------------------------------------------

def test_a_member_is_never_served_nor_stored(forum, visitor, member_client):
    cached_get(visitor, f"/threads/{forum.thread_id}")
    carla = member_client("carla")
    page = carla.get(f"/threads/{forum.thread_id}")
    assert "X-Page-Cache" not in page.headers
    assert b"carla" in page.data and b'name="csrf-token"' in page.data
    visitor_page = visitor.get(f"/threads/{forum.thread_id}")
    assert visitor_page.headers["X-Page-Cache"] == "hit" and b"carla" not in visitor_page.data


def test_a_flash_message_is_never_cached(forum, visitor):
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Thank you for helping!")]
    flashed = visitor.get("/")
    assert b"Thank you for helping!" in flashed.data and "X-Page-Cache" not in flashed.headers
    stranger = visitor.application.test_client()
    assert b"Thank you for helping!" not in fresh_get(stranger, "/").data
    assert stranger.get("/").headers["X-Page-Cache"] == "hit"


def test_a_bearer_token_bypasses_the_cache(forum, visitor):
    cached_get(visitor, f"/api/v1/threads/{forum.thread_id}")
    token = visitor.post("/api/v1/tokens", auth=("carla", PASSWORD)).get_json()["token"]
    response = visitor.get(f"/api/v1/threads/{forum.thread_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and "X-Page-Cache" not in response.headers


def test_a_harmless_cookie_does_not_bypass(forum, visitor):
    visitor.set_cookie("pd_visitor", "whatever")
    cached_get(visitor, "/")


# -- every change shows on the very next visitor request -----------------------------------------------------

def test_new_answer(forum, visitor, member_client):
    warm(visitor, forum.thread_id)
    carla = member_client("carla")
    assert carla.post(f"/threads/{forum.thread_id}/answers", data={"body": "Try the blue cable."}).status_code == 302
    pages = all_fresh(visitor, forum.thread_id)
    assert b"Try the blue cable." in pages["/threads/{id}"].data
    assert len(pages["/api/v1/threads/{id}"].get_json()["answers"]) == 2


def test_new_thread(forum, visitor, member_client):
    warm(visitor, forum.thread_id)
    member_client("carla").post("/ask", data={"title": "Scanner jams on every page", "body": "Since Monday.",
                                              "category": "printers", "tags": "s10"})
    assert b"Scanner jams on every page" in fresh_get(visitor, "/").data


def test_vote_on_question_and_answer(forum, visitor, member_client):
    carla = member_client("carla")
    warm(visitor, forum.thread_id)
    assert carla.post(f"/threads/{forum.thread_id}/vote", data={"value": "1"}).status_code in (200, 302)
    assert fresh_get(visitor, f"/api/v1/threads/{forum.thread_id}").get_json()["score"] == 1
    fresh_get(visitor, "/")
    cached_get(visitor, f"/api/v1/threads/{forum.thread_id}")
    assert carla.post(f"/answers/{forum.answer_id}/vote", data={"value": "1"}).status_code in (200, 302)
    assert fresh_get(visitor, f"/api/v1/threads/{forum.thread_id}").get_json()["answers"][0]["score"] == 1


def test_edit_question_and_answer(forum, visitor, member_client):
    warm(visitor, forum.thread_id)
    member_client("alice").post(f"/threads/{forum.thread_id}/edit", data={
        "title": "Printer shows error E43", "body": "Edited body.", "category": "printers", "tags": "p200"})
    assert b"Printer shows error E43" in fresh_get(visitor, "/").data
    assert b"Edited body." in fresh_get(visitor, f"/threads/{forum.thread_id}").data
    member_client("bob").post(f"/answers/{forum.answer_id}/edit", data={"body": "Unplug it for sixty seconds."})
    assert b"sixty seconds" in fresh_get(visitor, f"/threads/{forum.thread_id}").data


def test_accept_and_unaccept_change_the_status(forum, visitor, member_client):
    alice = member_client("alice")
    warm(visitor, forum.thread_id)
    alice.post(f"/threads/{forum.thread_id}/accept", data={"answer_id": str(forum.answer_id)})
    assert fresh_get(visitor, f"/api/v1/threads/{forum.thread_id}").get_json()["status"] == "resolved"
    assert b"Accepted solution" in fresh_get(visitor, f"/threads/{forum.thread_id}").data
    cached_get(visitor, f"/threads/{forum.thread_id}")
    alice.post(f"/threads/{forum.thread_id}/unaccept")
    assert b"Accepted solution" not in fresh_get(visitor, f"/threads/{forum.thread_id}").data


def test_hiding_an_answer(forum, visitor, cached_app):
    """Moderation's hide (issue #7) changes the row's visibility in its transaction: that alone must do."""
    warm(visitor, forum.thread_id)
    with cached_app.app_context():
        db.session.get(Answer, forum.answer_id).visibility = Visibility.HIDDEN.value
        db.session.commit()
    assert b"Unplug it" not in fresh_get(visitor, f"/threads/{forum.thread_id}").data


def test_an_announced_event_alone_invalidates(forum, visitor, cached_app):
    """Once services only announce events, the event row names the thread: still invalidated."""
    from app import events

    warm(visitor, forum.thread_id)
    with cached_app.app_context():
        db.session.execute(update(Thread).where(Thread.id == forum.thread_id).values(title="Changed quietly"))
        events.announce("post_hidden", thread_id=forum.thread_id)
        db.session.commit()
    assert b"Changed quietly" in fresh_get(visitor, f"/threads/{forum.thread_id}").data


def test_an_event_relayed_from_another_process_invalidates(forum, visitor, cached_app):
    """The relay dispatches events other processes committed; a cache not shared with them must drop the page."""
    from app import events

    warm(visitor, forum.thread_id)
    with cached_app.app_context():
        events.dispatch(events.Happened(id=10**9, kind="answered", thread_id=forum.thread_id, origin="elsewhere"))
    all_fresh(visitor, forum.thread_id)
    warm(visitor, forum.thread_id)
    with cached_app.app_context():
        events.dispatch(events.Happened(id=10**9 + 1, kind="answered", thread_id=forum.thread_id))
    assert visitor.get(f"/threads/{forum.thread_id}").headers["X-Page-Cache"] == "hit", \
        "this process's own events were already counted at its commit"


def test_a_rollback_invalidates_nothing(forum, visitor, cached_app):
    cached_get(visitor, f"/threads/{forum.thread_id}")
    with cached_app.app_context():
        db.session.get(Thread, forum.thread_id).title = "Never committed"
        db.session.flush()
        db.session.rollback()
    assert visitor.get(f"/threads/{forum.thread_id}").headers["X-Page-Cache"] == "hit"


def test_a_write_elsewhere_leaves_other_threads_cached(forum, visitor, member_client, make):
    other = make.thread(forum.users["carla"], title="Other printer question")
    cached_get(visitor, f"/threads/{other}")
    member_client("bob").post(f"/threads/{forum.thread_id}/answers", data={"body": "One more idea."})
    assert visitor.get(f"/threads/{other}").headers["X-Page-Cache"] == "hit"


def test_announcement_and_category_changes_reach_every_page(forum, visitor, cached_app):
    warm(visitor, forum.thread_id)
    with cached_app.app_context():
        db.session.add(Announcement(title="Maintenance tonight", body_source="x", body_html="<p>x</p>",
                                    severity="warning", starts_at=clock.now() - timedelta(minutes=1),
                                    ends_at=clock.now() + timedelta(hours=1), created_by_id=forum.users["admin"].id))
        db.session.commit()
    pages = all_fresh(visitor, forum.thread_id)
    assert b"Maintenance tonight" in pages["/threads/{id}"].data
    warm(visitor, forum.thread_id)
    with cached_app.app_context():
        db.session.execute(update(Category).values(name="Printing"))
        db.session.get(User, forum.users["bob"].id).role = "staff"
        db.session.commit()
    assert b"Printing" in fresh_get(visitor, f"/threads/{forum.thread_id}").data


def test_the_sla_sweep_in_another_process_invalidates(forum, visitor, cached_app, database_url, tmp_path):
    """A cron `flask sla sweep` auto-resolves a thread; the server's memory cache learns of it by the shared file."""
    stale = START - timedelta(days=30)
    with cached_app.app_context():
        db.session.execute(update(Thread).where(Thread.id == forum.thread_id).values(
            status="answered", first_staff_response_at=stale, resolution_check_at=stale, needs_staff=False))
        db.session.commit()
    cached_get(visitor, f"/api/v1/threads/{forum.thread_id}")
    run_sweep(database_url, {"PAGE_CACHE_GENERATIONS_FILE": str(cached_app.extensions["pagecache"].generations.path)})
    assert fresh_get(visitor, f"/api/v1/threads/{forum.thread_id}").get_json()["status"] == "resolved"


def run_sweep(database_url, environment):
    env = {**os.environ, "PEERDESK_CONFIG": "testing", "DATABASE_URL": database_url, "FLASK_APP": "app",
           "PAGE_CACHE_ENABLED": "true", "SEARCH_BACKEND": "null", **environment}
    result = subprocess.run([sys.executable, "-m", "flask", "sla", "sweep"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "auto-resolved 1" in result.stdout, result.stdout


# -- several processes sharing Redis --------------------------------------------------------------------------

@pytest.fixture()
def redis_url():
    import redis

    url = os.environ["PEERDESK_TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.mark.redis
def test_two_servers_share_one_cache_in_redis(forum, app, redis_url):
    """Two caches of their own, as two server processes have, on one Redis; the second one writes."""
    with page_cache_on(app, RedisPageCache(redis_url)):
        first = Client(app.wsgi_app)
    with page_cache_on(app, RedisPageCache(redis_url)) as second:
        path = f"/threads/{forum.thread_id}"
        cached_get(first, path)
        assert second.test_client().get(path).headers["X-Page-Cache"] == "hit"
        member = second.test_client()
        member.post("/auth/login", data={"login": "carla", "password": PASSWORD})
        member.post(f"/threads/{forum.thread_id}/answers", data={"body": "Answered on the second server."})
        assert b"Answered on the second server." in fresh_get(first, path).data


@pytest.mark.redis
def test_the_sla_sweep_in_another_process_invalidates_redis(forum, app, database_url, redis_url):
    stale = START - timedelta(days=30)
    with page_cache_on(app, RedisPageCache(redis_url)) as server:
        with server.app_context():
            db.session.execute(update(Thread).where(Thread.id == forum.thread_id).values(
                status="answered", first_staff_response_at=stale, resolution_check_at=stale, needs_staff=False))
            db.session.commit()
        visitor = server.test_client()
        cached_get(visitor, f"/api/v1/threads/{forum.thread_id}")
        run_sweep(database_url, {"PAGE_CACHE_URL": redis_url})
        assert fresh_get(visitor, f"/api/v1/threads/{forum.thread_id}").get_json()["status"] == "resolved"


def test_an_unreachable_redis_only_costs_the_cache(forum, app):
    with page_cache_on(app, RedisPageCache("redis://127.0.0.1:1/0")) as server:
        response = server.test_client().get(f"/threads/{forum.thread_id}")
        assert response.status_code == 200 and "X-Page-Cache" not in response.headers
        member = server.test_client()
        member.post("/auth/login", data={"login": "carla", "password": PASSWORD})
        assert member.get(f"/threads/{forum.thread_id}").status_code == 200
        posted = member.post(f"/threads/{forum.thread_id}/answers", data={"body": "Posted while Redis is down."})
        assert posted.status_code == 302


# -- admin statistics ---------------------------------------------------------------------------------------

def test_admins_see_hit_rate_and_size(forum, visitor, member_client):
    warm(visitor, forum.thread_id)
    page = member_client("admin").get("/staff/page-cache/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Hit rate" in text and "50.0 %" in text and "Pages held" in text and "KiB" in text
    assert member_client("carla").get("/staff/page-cache/").status_code == 403


def test_tags_of_pages():
    assert rules.tags_for_page("forum.thread", {"thread_id": 7}) == (rules.EVERYWHERE, "thread:7")
    assert rules.tags_for_page("forum.index", {}) == (rules.EVERYWHERE, rules.LISTS)
    assert rules.tags_for_page("kb.search", {}) is None
