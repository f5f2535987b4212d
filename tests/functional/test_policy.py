"""The permission policy as users meet it: refusals carry the reason, through pages and the API alike."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import User


def set_user(app, user_id, **columns):
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in columns.items():
            setattr(user, name, value)
        db.session.commit()


def test_new_members_cannot_post_links_and_basic_members_can(app, make, api):
    make.category()
    alice = make.user("alice")
    token = api.token("alice")
    body = {"title": "Where is the driver download?", "body": "See [this page](https://example.com/x) please.",
            "category": "printers"}
    refused = api.call("POST", "/api/v1/threads", token, json=body)
    assert refused.status_code == 403
    assert "New members cannot post links" in refused.get_json()["error"]["message"]
    set_user(app, alice.id, trust_level=1)
    assert api.call("POST", "/api/v1/threads", token, json=body).status_code == 201


def test_new_members_post_at_most_n_an_hour(app, make, api):
    app.config["NEW_MEMBER_POSTS_PER_HOUR"] = 2
    try:
        make.category()
        make.user("alice")
        token = api.token("alice")
        for number in range(2):
            created = api.call("POST", "/api/v1/threads", token, json={
                "title": f"Question number {number} here", "body": "Some words about it.", "category": "printers"})
            assert created.status_code == 201
        third = api.call("POST", "/api/v1/threads", token, json={
            "title": "Question number 3 here", "body": "Some words about it.", "category": "printers"})
        assert third.status_code == 403
        assert "at most 2 posts an hour" in third.get_json()["error"]["message"]
    finally:
        app.config["NEW_MEMBER_POSTS_PER_HOUR"] = 100000


def test_a_suspended_member_is_refused_every_write_with_the_reason(app, make, api):
    make.category()
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(bob)
    token = api.token("alice")
    set_user(app, alice.id, silenced_until=clock.now() + timedelta(days=3), sanction_reason="Spam in three threads")
    for path, body in (("/api/v1/threads", {"title": "A new question", "body": "Some words.", "category": "printers"}),
                       (f"/api/v1/threads/{thread_id}/answers", {"body": "An answer that helps."}),
                       (f"/api/v1/threads/{thread_id}/vote", {"value": 1})):
        response = api.call("POST", path, token, json=body)
        assert response.status_code == 403, path
        message = response.get_json()["error"]["message"]
        assert message.startswith("You are silenced until") and message.endswith("Spam in three threads")


def test_own_post_vote_refusal_comes_from_the_policy(make, api):
    make.category()
    alice = make.user("alice")
    thread_id = make.thread(alice)
    response = api.call("POST", f"/api/v1/threads/{thread_id}/vote", api.token("alice"), json={"value": 1})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "You cannot vote on your own post."


def test_trust_recompute_is_idempotent_and_respects_locks(app, make, runner):
    make.category()
    alice, bob = make.user("alice"), make.user("bob")
    for _ in range(3):
        make.thread(alice)
    set_user(app, alice.id, created_at=clock.now() - timedelta(days=2))
    set_user(app, bob.id, created_at=clock.now() - timedelta(days=2), trust_level=2, trust_level_locked=True)
    first = runner.invoke(args=["trust", "recompute"])
    assert "1 trust levels changed" in first.output
    assert "0 trust levels changed" in runner.invoke(args=["trust", "recompute"]).output
    with app.app_context():
        assert db.session.get(User, alice.id).trust_level == 1
        assert db.session.get(User, bob.id).trust_level == 2
