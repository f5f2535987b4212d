"""What moderation leaves behind in counts, metrics and the visitor page cache.

A hidden, held or deleted question is nobody's support work and no
category's thread: the category's `thread_count` follows every move exactly
(and back on restore or approval), the staff metrics leave such threads
out, and the very next visitor request no longer shows a hidden post when
the page cache is on.
"""
import pytest

from app.extensions import db
from app.models import Category, Thread, User
from app.pagecache.stores import MemoryPageCache
from app.services import moderation
from tests.functional.test_page_cache import fresh_get, page_cache_on


def thread_count(app, slug="printers") -> int:
    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(db.select(Category.thread_count).where(Category.slug == slug))


def act(app, moderator_id, action, thread_id, reason="Spam"):
    with app.app_context():
        actor = db.session.get(User, moderator_id)
        post = db.session.get(Thread, thread_id)
        {"hide": lambda: moderation.hide(actor, post, reason), "delete": lambda: moderation.delete(actor, post, reason),
         "restore": lambda: moderation.restore(actor, post), "approve": lambda: moderation.approve(actor, post)}[action]()


@pytest.fixture()
def board(app, make):
    make.category()
    make.category("billing")
    people = {"asker": make.user("asker"), "mod": make.user("mod", role="moderator"), "newbie": make.user("newbie")}
    threads = [make.thread(people["asker"], title=f"Printer question number {n}") for n in range(3)]
    return people, threads


def test_category_thread_count_follows_hide_delete_restore_and_approve_exactly(app, make, board):
    people, threads = board
    mod = people["mod"].id
    assert thread_count(app) == 3
    act(app, mod, "hide", threads[0])
    assert thread_count(app) == 2
    act(app, mod, "delete", threads[0])          # hidden → deleted: not counted twice
    assert thread_count(app) == 2
    act(app, mod, "delete", threads[1])
    assert thread_count(app) == 1
    act(app, mod, "restore", threads[0])
    act(app, mod, "restore", threads[1])
    assert thread_count(app) == 3
    act(app, mod, "hide", threads[2])
    act(app, mod, "approve", threads[2])          # approving a hidden post shows it again
    assert thread_count(app) == 3
    app.config["PREMODERATE_FIRST_POSTS"] = 1
    try:
        held = make.thread(people["newbie"], title="A held question from a newcomer")
    finally:
        app.config["PREMODERATE_FIRST_POSTS"] = 0
    assert thread_count(app) == 3                  # held: not counted until approved
    act(app, mod, "delete", held)
    act(app, mod, "restore", held)                 # a deleted held post goes back to the queue, still uncounted
    assert thread_count(app) == 3
    act(app, mod, "approve", held)
    assert thread_count(app) == 4
    with app.app_context():
        moderation.thread_action(db.session.get(User, mod), db.session.get(Thread, threads[0]), "move",
                                 category="billing")
    assert (thread_count(app), thread_count(app, "billing")) == (3, 1)
    act(app, mod, "hide", threads[0])
    assert (thread_count(app), thread_count(app, "billing")) == (3, 0)
    with app.app_context():
        visible = db.session.scalar(db.select(db.func.count(Thread.id)).where(Thread.visibility == "visible"))
    assert visible == thread_count(app) + thread_count(app, "billing")


def test_staff_metrics_leave_out_hidden_held_and_deleted_threads(app, make, board, api):
    people, threads = board
    make.user("sam", role="staff")
    token = api.token("sam")

    def asked():
        data = api.call("GET", "/api/v1/staff/metrics?category=printers", token).get_json()
        return data["questions_asked"]

    assert asked() == 3
    act(app, people["mod"].id, "hide", threads[0])
    act(app, people["mod"].id, "delete", threads[1])
    app.config["PREMODERATE_FIRST_POSTS"] = 1
    try:
        held = make.thread(people["newbie"], title="A held question from a newcomer")
    finally:
        app.config["PREMODERATE_FIRST_POSTS"] = 0
    assert asked() == 1
    act(app, people["mod"].id, "restore", threads[0])
    act(app, people["mod"].id, "approve", held)
    assert asked() == 3


@pytest.fixture()
def cached(app, tmp_path):
    with page_cache_on(app, MemoryPageCache(16 * 1024 * 1024, str(tmp_path / "generations"))) as application:
        yield application


def _login(app, username):
    client = app.test_client()
    assert client.post("/auth/login", data={"login": username, "password": "correct-horse-battery"}).status_code == 302
    return client


def test_a_hidden_post_is_gone_for_the_very_next_visitor_when_the_page_cache_is_on(cached, make, board):
    people, threads = board
    answer = make.answer(people["newbie"], threads[0], body="Buy cheap pills at our shop, friend.")
    visitor = cached.test_client()
    path = f"/threads/{threads[0]}"
    assert b"cheap pills" in visitor.get(path).data
    assert visitor.get(path).headers["X-Page-Cache"] == "hit"
    moderator = _login(cached, "mod")
    assert moderator.post(f"/mod/answers/{answer}/hide", data={"reason": "Spam"}).status_code == 303
    assert b"cheap pills" not in fresh_get(visitor, path).data
    assert visitor.get(path).headers["X-Page-Cache"] == "hit"
    # thread_moderated (lock) and post_approved reach the cache too.
    assert moderator.post(f"/mod/threads/{threads[0]}/lock").status_code == 303
    assert b"locked" in fresh_get(visitor, path).data.lower()
    assert visitor.get(path).headers["X-Page-Cache"] == "hit"
    assert moderator.post(f"/mod/answers/{answer}/approve").status_code == 303
    assert b"cheap pills" in fresh_get(visitor, path).data


def test_a_held_questions_clock_starts_at_its_approval_in_the_metrics(app, make, board, api, frozen_clock):
    people, _threads = board
    make.user("sam", role="staff")
    app.config["PREMODERATE_FIRST_POSTS"] = 1
    try:
        held = make.thread(people["newbie"], title="A held question from a newcomer")
    finally:
        app.config["PREMODERATE_FIRST_POSTS"] = 0
    frozen_clock.advance(minutes=60)
    act(app, people["mod"].id, "approve", held)
    frozen_clock.advance(minutes=10)
    make.answer(people["asker"], held, body="Try switching it off and on again.")
    data = api.call("GET", "/api/v1/staff/metrics?category=printers", api.token("sam")).get_json()
    assert data["median_first_community_response_seconds"] == 600       # from the approval, not from 70 min
