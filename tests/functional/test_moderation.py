"""Flags, the review queue, held posts, sanctions, restore and the audit log, through the API and pages."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import events
from app.extensions import db
from app.models import (
    Answer,
    AuditEntry,
    Category,
    Flag,
    ReviewItem,
    Thread,
    ThreadEvent,
    User,
    Vote,
    WatchedWord,
)
from app.search.documents import documents_for
from tests.search_fixtures import search_index  # noqa: F401


def set_user(app, user_id, **columns):
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in columns.items():
            setattr(user, name, value)
        db.session.commit()


@pytest.fixture()
def heard():
    """Every event announced during the test, in order."""
    seen = []
    events.subscribe(seen.append)
    yield seen
    events._subscribers.remove(seen.append)


@pytest.fixture()
def community(app, make, api):
    """An asker's thread, four level-1 members with tokens, a moderator."""
    make.category()
    people = {name: make.user(name) for name in ("asker", "mem1", "mem2", "mem3", "mem4")}
    people["mod"] = make.user("mod", role="moderator")
    for name in ("mem1", "mem2", "mem3", "mem4"):
        set_user(app, people[name].id, trust_level=1)
    thread_id = make.thread(people["asker"])
    tokens = {name: api.token(name) for name in people}
    return people, tokens, thread_id


def flag(api, token, path, reason="spam", text=""):
    return api.call("POST", path, token, json={"reason": reason, "text": text})


def visibility(app, model, post_id):
    with app.app_context():
        return db.session.get(model, post_id).visibility


def test_flag_answers_201_then_409_and_403_on_own_post_and_for_new_members(app, community, api, make):
    people, tokens, thread_id = community
    path = f"/api/v1/threads/{thread_id}/flag"
    first = flag(api, tokens["mem1"], path)
    assert first.status_code == 201 and first.get_json()["reason"] == "spam"
    assert flag(api, tokens["mem1"], path).status_code == 409
    own = flag(api, tokens["asker"], path)
    assert own.status_code == 403 and own.get_json()["error"]["message"] == "You cannot flag your own post."
    make.user("newbie")
    refused = flag(api, api.token("newbie"), path)
    assert refused.status_code == 403 and "New members cannot flag" in refused.get_json()["error"]["message"]
    other = flag(api, tokens["mem2"], path, reason="other")
    assert other.status_code == 400 and "text" in other.get_json()["error"]["fields"]


def test_flags_hide_the_post_when_their_weight_reaches_the_threshold(app, community, api, heard):
    people, tokens, thread_id = community
    path = f"/api/v1/threads/{thread_id}/flag"
    for name in ("mem1", "mem2"):
        assert flag(api, tokens[name], path).status_code == 201
    assert visibility(app, Thread, thread_id) == "visible"
    assert flag(api, tokens["mem3"], path, reason="offensive").status_code == 201
    assert visibility(app, Thread, thread_id) == "hidden"
    assert [event.kind for event in heard].count("post_hidden") == 1
    hidden = next(event for event in heard if event.kind == "post_hidden")
    assert hidden.user_id == people["asker"].id and hidden.payload["by_flags"] is True
    # Nobody but the author and moderators sees it; the author sees why.
    assert api.call("GET", f"/api/v1/threads/{thread_id}").status_code == 404
    assert api.call("GET", f"/api/v1/threads/{thread_id}", tokens["mem4"]).status_code == 404
    mine = api.call("GET", f"/api/v1/threads/{thread_id}", tokens["asker"]).get_json()
    assert mine["visibility"] == "hidden" and mine["hidden_reason"] == "Offensive"
    assert api.call("GET", f"/api/v1/threads/{thread_id}", tokens["mod"]).status_code == 200
    assert thread_id not in [item["id"] for item in api.call("GET", "/api/v1/threads").get_json()["items"]]


def test_a_leaders_single_flag_hides_at_once(app, community, api):
    people, tokens, thread_id = community
    set_user(app, people["mem1"].id, trust_level=3)
    assert flag(api, tokens["mem1"], f"/api/v1/threads/{thread_id}/flag").status_code == 201
    assert visibility(app, Thread, thread_id) == "hidden"


def test_the_queue_lists_one_item_per_post_and_approve_dismisses_flags(app, community, api, heard):
    people, tokens, thread_id = community
    for name in ("mem1", "mem2", "mem3"):
        flag(api, tokens[name], f"/api/v1/threads/{thread_id}/flag")
    assert api.call("GET", "/api/v1/mod/queue", tokens["mem1"]).status_code == 403
    page = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()
    assert (page["total"], page["page"], page["pages"]) == (1, 1, 1)
    item = page["items"][0]
    assert item["kind"] == "flagged" and len(item["flags"]) == 3
    assert item["post"]["id"] == thread_id and item["post"]["visibility"] == "hidden"
    assert set(item["actions"]) == {"approve", "edit", "delete", "restore"}
    done = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"], json={"action": "approve"})
    assert done.status_code == 200 and done.get_json()["resolution"] == "approve"
    assert visibility(app, Thread, thread_id) == "visible"
    resolved = next(event for event in heard if event.kind == "flag_resolved")
    assert resolved.payload["upheld"] is False and len(resolved.payload["flag_ids"]) == 3
    assert sorted(resolved.payload["flagger_ids"]) == sorted(people[name].id for name in ("mem1", "mem2", "mem3"))
    with app.app_context():
        assert db.session.get(User, people["mem1"].id).flags_dismissed == 1
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.thread_id == thread_id)) == "post_approved"
    again = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"], json={"action": "hide"})
    assert again.status_code == 409
    assert api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["total"] == 0


def test_hide_from_the_queue_needs_a_reason_and_upholds_flags(app, community, api, heard):
    people, tokens, thread_id = community
    flag(api, tokens["mem1"], f"/api/v1/threads/{thread_id}/flag")
    item_id = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["items"][0]["id"]
    missing = api.call("POST", f"/api/v1/mod/queue/{item_id}", tokens["mod"], json={"action": "hide"})
    assert missing.status_code == 400
    hidden = api.call("POST", f"/api/v1/mod/queue/{item_id}", tokens["mod"],
                      json={"action": "hide", "reason": "Advertising"})
    assert hidden.status_code == 200
    mine = api.call("GET", f"/api/v1/threads/{thread_id}", tokens["asker"]).get_json()
    assert mine["hidden_reason"] == "Advertising"
    with app.app_context():
        assert db.session.get(User, people["mem1"].id).flags_upheld == 1
    assert next(e for e in heard if e.kind == "flag_resolved").payload["upheld"] is True


def test_the_author_editing_a_hidden_post_asks_for_another_review(app, community, api, auth):
    people, tokens, thread_id = community
    api.call("POST", f"/api/v1/mod/queue/{_queue_item(api, tokens, thread_id)}", tokens["mod"],
             json={"action": "hide", "reason": "Please remove the phone number"})
    auth.login("asker")
    page = auth.client.get(f"/threads/{thread_id}")
    assert page.status_code == 200 and b"Hidden: Please remove the phone number" in page.data
    edited = auth.client.post(f"/threads/{thread_id}/edit", data={
        "title": "Printer shows error E42", "body": "It stopped printing after the update.",
        "category": "printers", "tags": "p200"})
    assert edited.status_code == 302
    queue = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()
    assert queue["total"] == 1 and queue["items"][0]["note"] == "Edited by its author after it was hidden."


def _queue_item(api, tokens, thread_id):
    flag(api, tokens["mem1"], f"/api/v1/threads/{thread_id}/flag")
    return api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["items"][0]["id"]


def test_held_posts_stay_invisible_until_approved_and_the_sla_starts_then(app, make, api, search_index, frozen_clock,
                                                                          heard):
    app.config["PREMODERATE_FIRST_POSTS"] = 1
    try:
        make.category()
        for name, role in (("newbie", "member"), ("mod", "moderator"), ("reader", "member")):
            make.user(name, role=role)
        tokens = {name: api.token(name) for name in ("newbie", "mod", "reader")}
        created = api.call("POST", "/api/v1/threads", tokens["newbie"], json={
            "title": "Cheap printer ink here", "body": "Buy unbranded cartridges for the P200.",
            "category": "printers"})
        assert created.status_code == 202 and created.get_json()["visibility"] == "pending"
        thread_id = created.get_json()["id"]
        search_index.drain()
        # Absent from every public surface.
        assert api.call("GET", f"/api/v1/threads/{thread_id}", tokens["reader"]).status_code == 404
        assert api.call("GET", "/api/v1/threads").get_json()["total"] == 0
        assert api.call("GET", "/api/v1/search?q=cartridges").get_json()["total"] == 0
        assert api.call("GET", "/api/v1/search/similar?title=printer%20ink").get_json()["items"] == []
        assert make.app.test_client().get(f"/threads/{thread_id}").status_code == 404
        assert b"Cheap printer ink" not in make.app.test_client().get("/").data
        with app.app_context():
            assert documents_for([thread_id]) == {}
            assert db.session.scalar(select(Category.thread_count)) == 0
            assert db.session.scalar(select(func.count(ThreadEvent.id))) == 0
        assert not [event for event in heard if event.thread_id == thread_id and event.kind != "flag_resolved"]
        # The author sees it, marked; moderators find it in the queue.
        assert api.call("GET", f"/api/v1/threads/{thread_id}", tokens["newbie"]).get_json()["visibility"] == "pending"
        queue = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()
        assert queue["items"][0]["kind"] == "held" and queue["items"][0]["actions"] == ["approve", "edit", "delete"]
        approval = frozen_clock.advance(hours=5)
        api.call("POST", f"/api/v1/mod/queue/{queue['items'][0]['id']}", tokens["mod"], json={"action": "approve"})
        search_index.drain()
        shown = api.call("GET", f"/api/v1/threads/{thread_id}", tokens["reader"]).get_json()
        assert shown["visibility"] == "visible"
        assert shown["sla_due_at"] == (approval + timedelta(minutes=240)).isoformat()
        assert api.call("GET", "/api/v1/search?q=cartridges").get_json()["total"] == 1
        with app.app_context():
            created_event = db.session.scalar(select(ThreadEvent).where(ThreadEvent.kind == "created"))
            assert created_event.created_at == approval
            assert db.session.scalar(select(Category.thread_count)) == 1
        assert [event.kind for event in heard if event.thread_id == thread_id] == ["asked", "post_approved"]
        # The second post of the same member is no longer held.
        second = api.call("POST", "/api/v1/threads", tokens["newbie"], json={
            "title": "Another question about ink", "body": "Which ink lasts longer?", "category": "printers"})
        assert second.status_code == 201
    finally:
        app.config["PREMODERATE_FIRST_POSTS"] = 0


SANCTIONED_WRITES = (
    ("POST", "/api/v1/threads", {"title": "A brand new question", "body": "Some words about it.", "category": "printers"}),
    ("POST", "/api/v1/threads/{thread}/answers", {"body": "An answer that helps."}),
    ("POST", "/api/v1/threads/{thread}/vote", {"value": 1}),
    ("POST", "/api/v1/threads/{thread}/flag", {"reason": "spam"}),
)


@pytest.mark.parametrize("kind", ["silence", "suspend", "ban"])
def test_each_sanction_refuses_each_write_and_lifting_restores(app, community, api, heard, kind):
    people, tokens, thread_id = community
    days = None if kind == "ban" else 3
    sanctioned = api.call("POST", "/api/v1/mod/users/mem1/sanctions", tokens["mod"],
                          json={"kind": kind, "days": days, "reason": "Spam in three threads"})
    assert sanctioned.status_code == 201
    event = next(e for e in heard if e.kind == "user_sanctioned")
    assert event.user_id == people["mem1"].id and event.payload["kind"] == kind
    assert event.payload["reason_id"] == sanctioned.get_json()["id"]
    assert (event.payload["until"] is None) == (kind == "ban")
    if kind == "silence":
        token = tokens["mem1"]
        for method, path, body in SANCTIONED_WRITES:
            refused = api.call(method, path.format(thread=thread_id), token, json=body)
            assert refused.status_code == 403, path
            assert refused.get_json()["error"]["message"].endswith("Spam in three threads")
    else:
        # Suspended and banned accounts lose their tokens at once, and cannot get new ones.
        assert api.call("GET", "/api/v1/me", tokens["mem1"]).status_code == 401
        assert api.call("POST", "/api/v1/tokens", auth=("mem1", "correct-horse-battery")).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target_user_id == people["mem1"].id)) \
            == f"user_{kind}"
    assert api.call("DELETE", "/api/v1/mod/users/mem1/sanctions", tokens["mod"]).status_code == 204
    assert next(e for e in heard if e.kind == "sanction_lifted").payload["kind"] == kind
    fresh = api.token("mem1")
    assert api.call("POST", f"/api/v1/threads/{thread_id}/vote", fresh, json={"value": 1}).status_code == 200


def test_a_sanctioned_members_page_session_is_refused_writes_at_once(app, community, api, auth):
    people, tokens, thread_id = community
    auth.login("mem1")
    api.call("POST", "/api/v1/mod/users/mem1/sanctions", tokens["mod"],
             json={"kind": "silence", "days": 2, "reason": "Cool down"})
    refused = auth.client.post(f"/threads/{thread_id}/answers", data={"body": "Still talking here."})
    assert refused.status_code == 403 and b"Cool down" in refused.data


def test_sanction_rules(app, community, api, make):
    people, tokens, thread_id = community
    make.user("boss", role="admin")
    assert api.call("POST", "/api/v1/mod/users/mem1/sanctions", tokens["mem2"],
                    json={"kind": "warn", "reason": "x"}).status_code == 403
    assert api.call("POST", "/api/v1/mod/users/boss/sanctions", tokens["mod"],
                    json={"kind": "ban", "reason": "x"}).status_code == 403
    bad = api.call("POST", "/api/v1/mod/users/mem1/sanctions", tokens["mod"], json={"kind": "suspend", "reason": "x"})
    assert bad.status_code == 400 and "days" in bad.get_json()["error"]["fields"]
    assert api.call("DELETE", "/api/v1/mod/users/mem1/sanctions", tokens["mod"]).status_code == 409
    warned = api.call("POST", "/api/v1/mod/users/mem1/sanctions", tokens["mod"],
                      json={"kind": "warn", "reason": "Mind the tone"})
    assert warned.status_code == 201
    assert api.call("POST", f"/api/v1/threads/{thread_id}/vote", tokens["mem1"], json={"value": 1}).status_code == 200


def _snapshot(app, thread_id):
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        answers = db.session.execute(select(Answer.id, Answer.score, Answer.visibility)
                                     .where(Answer.thread_id == thread_id).order_by(Answer.id)).all()
        votes = db.session.execute(select(Vote.user_id, Vote.thread_id, Vote.answer_id, Vote.value)
                                   .order_by(Vote.id)).all()
        reputation = dict(db.session.execute(select(User.username, User.reputation)).all())
        return {"thread": (thread.visibility, thread.status, thread.score, thread.answer_count,
                           thread.accepted_answer_id, thread.resolved_at),
                "answers": answers, "votes": votes, "reputation": reputation,
                "category_count": db.session.scalar(select(Category.thread_count)),
                "document": documents_for([thread_id]).get(thread_id)}


def test_restoring_a_deleted_thread_restores_it_exactly(app, community, api, search_index, heard):
    people, tokens, thread_id = community
    answer_ids = [api.call("POST", f"/api/v1/threads/{thread_id}/answers", tokens[name],
                           json={"body": f"Answer from {name}: reinstall the driver."}).get_json()["id"]
                  for name in ("mem1", "mem2", "mem3")]
    api.call("POST", f"/api/v1/threads/{thread_id}/vote", tokens["mem1"], json={"value": 1})
    api.call("POST", f"/api/v1/answers/{answer_ids[0]}/vote", tokens["mem2"], json={"value": 1})
    api.call("POST", f"/api/v1/answers/{answer_ids[1]}/vote", tokens["mem3"], json={"value": -1})
    api.call("POST", f"/api/v1/threads/{thread_id}/accept", tokens["asker"], json={"answer_id": answer_ids[0]})
    search_index.drain()
    before = _snapshot(app, thread_id)
    assert api.call("GET", "/api/v1/search?q=reinstall").get_json()["total"] == 1
    with app.app_context():
        moderator = db.session.get(User, people["mod"].id)
        from app.services import moderation

        moderation.delete(moderator, db.session.get(Thread, thread_id), "Duplicate spam")
    search_index.drain()
    assert api.call("GET", f"/api/v1/threads/{thread_id}").status_code == 404
    assert api.call("GET", "/api/v1/search?q=reinstall").get_json()["total"] == 0
    deleted = _snapshot(app, thread_id)
    assert deleted["category_count"] == before["category_count"] - 1 and deleted["document"] is None
    with app.app_context():
        moderator = db.session.get(User, people["mod"].id)
        moderation.restore(moderator, db.session.get(Thread, thread_id), "Mistake")
    search_index.drain()
    assert _snapshot(app, thread_id) == before
    assert api.call("GET", "/api/v1/search?q=reinstall").get_json()["total"] == 1
    assert [e.kind for e in heard if e.kind.startswith("post_")] == ["post_deleted", "post_restored"]
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["post_deleted", "post_restored"]


@pytest.mark.parametrize("mode", ["block", "hold", "flag"])
def test_watched_words_in_each_mode(app, make, api, mode):
    make.category()
    make.user("writer")
    make.user("admin", role="admin")
    with app.app_context():
        from app.services import house_rules

        admin = db.session.scalar(select(User).where(User.username == "admin"))
        house_rules.add_watched_word(admin, "casino", mode, False, "No gambling ads, please.")
    response = api.call("POST", "/api/v1/threads", api.token("writer"), json={
        "title": "Best Casino bonus for printers", "body": "Click here for free spins.", "category": "printers"})
    with app.app_context():
        items = db.session.scalars(select(ReviewItem)).all()
        if mode == "block":
            assert response.status_code == 403
            assert response.get_json()["error"]["message"] == "No gambling ads, please."
            assert db.session.scalar(select(func.count(Thread.id))) == 0
        elif mode == "hold":
            assert response.status_code == 202 and response.get_json()["visibility"] == "pending"
            assert [item.kind for item in items] == ["held"]
        else:
            assert response.status_code == 201 and response.get_json()["visibility"] == "visible"
            assert [(item.kind, item.note) for item in items] == [("flagged", "Watched words: Casino")]
        assert db.session.scalar(select(func.count(WatchedWord.id))) == 1


def test_the_same_or_nearly_the_same_text_within_an_hour_is_refused(app, make, api, frozen_clock):
    app.config["REPEAT_TEXT_WINDOW_MINUTES"] = 60
    try:
        make.category()
        make.user("writer")
        token = api.token("writer")
        thread_id = make.thread(make.user("asker"))
        text = "Unplug the printer for thirty seconds, hold the reset button, then plug it back in and retry."
        assert api.call("POST", f"/api/v1/threads/{thread_id}/answers", token, json={"body": text}).status_code == 201
        nearly = text.replace("thirty", "30")
        again = api.call("POST", f"/api/v1/threads/{thread_id}/answers", token, json={"body": nearly + "!"})
        assert again.status_code == 403 and "within the last hour" in again.get_json()["error"]["message"]
        different = "Check the cable first; a loose USB cable causes E42 on this model quite often."
        assert api.call("POST", f"/api/v1/threads/{thread_id}/answers", token,
                        json={"body": different}).status_code == 201
        frozen_clock.advance(minutes=61)
        assert api.call("POST", f"/api/v1/threads/{thread_id}/answers", token, json={"body": text}).status_code == 201
    finally:
        app.config["REPEAT_TEXT_WINDOW_MINUTES"] = 0


def test_audit_log_api_filters_by_moderator_user_and_action(app, community, api):
    people, tokens, thread_id = community
    api.call("POST", "/api/v1/mod/users/mem1/sanctions", tokens["mod"], json={"kind": "warn", "reason": "Tone"})
    api.call("POST", "/api/v1/mod/users/mem2/sanctions", tokens["mod"],
             json={"kind": "silence", "days": 1, "reason": "Spam"})
    everything = api.call("GET", "/api/v1/mod/audit", tokens["mod"]).get_json()
    assert everything["total"] == 2 and everything["items"][0]["action"] == "user_silence"
    assert api.call("GET", "/api/v1/mod/audit?user=mem1", tokens["mod"]).get_json()["items"][0]["reason"] == "Tone"
    assert api.call("GET", "/api/v1/mod/audit?action=user_warn", tokens["mod"]).get_json()["total"] == 1
    assert api.call("GET", "/api/v1/mod/audit?moderator=nobody", tokens["mod"]).get_json()["total"] == 0
    assert api.call("GET", "/api/v1/mod/audit", tokens["mem1"]).status_code == 403
    assert api.call("GET", "/api/v1/mod/audit?page=x", tokens["mod"]).status_code == 400


def test_thread_actions_lock_close_pin_move_are_audited_and_reversible(app, community, auth, make):
    people, tokens, thread_id = community
    make.category("billing")
    auth.login("mod")
    for action, data in (("lock", {}), ("pin", {}), ("close", {}), ("move", {"category": "billing"})):
        assert auth.client.post(f"/mod/threads/{thread_id}/{action}", data={"reason": "tidy", **data}).status_code == 303
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert (thread.is_locked, thread.is_pinned, thread.status, thread.category.slug) == (
            True, True, "closed", "billing")
    auth.logout()
    auth.login("mem1")
    locked = auth.client.post(f"/threads/{thread_id}/answers", data={"body": "Trying to answer."})
    assert locked.status_code == 403
    auth.logout()
    auth.login("mod")
    for action in ("unlock", "unpin", "reopen"):
        auth.client.post(f"/mod/threads/{thread_id}/{action}")
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert (thread.is_locked, thread.is_pinned, thread.status) == (False, False, "unanswered")
        assert len(db.session.scalars(select(AuditEntry)).all()) == 7
        assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_registration_refuses_the_honeypot_and_forms_sent_too_fast(app, client, frozen_clock):
    app.config["REGISTRATION_MIN_FILL_SECONDS"] = 3
    try:
        form = client.get("/auth/register").get_data(as_text=True)
        stamp = form.split('name="form_shown" value="')[1].split('"')[0]
        data = {"username": "newcomer", "email": "new@example.com", "password": "a-long-passphrase",
                "confirm": "a-long-passphrase", "form_shown": stamp}
        assert client.post("/auth/register", data={**data, "website": "http://spam.example"}).status_code == 400
        assert client.post("/auth/register", data=data).status_code == 400
        assert client.post("/auth/register", data={**data, "form_shown": "forged"}).status_code == 400
        frozen_clock.advance(seconds=3)
        assert client.post("/auth/register", data=data).status_code == 302
        with app.app_context():
            assert db.session.scalar(select(func.count(User.id))) == 1
    finally:
        app.config["REGISTRATION_MIN_FILL_SECONDS"] = 0


def test_deleting_an_account_anonymises_it_and_keeps_its_posts(app, community, api, auth):
    people, tokens, thread_id = community
    answer_id = api.call("POST", f"/api/v1/threads/{thread_id}/answers", tokens["mem1"],
                         json={"body": "Reinstall the driver from the CD."}).get_json()["id"]
    auth.login("mem1")
    assert auth.client.post("/account/delete", data={"password": "wrong"}).status_code == 400
    assert auth.client.post("/account/delete", data={"password": "correct-horse-battery"}).status_code == 303
    with app.app_context():
        user = db.session.get(User, people["mem1"].id)
        assert (user.username, user.email) == (f"deleted-user-{user.id}", f"deleted-{user.id}@invalid.invalid")
        assert user.deleted_at is not None and not user.check_password("correct-horse-battery")
        assert db.session.get(Answer, answer_id).author_id == user.id
    page = api.call("GET", f"/api/v1/threads/{thread_id}").get_json()
    assert [answer["id"] for answer in page["answers"]] == [answer_id]
    assert b"deleted user" in auth.client.get(f"/threads/{thread_id}").data
    assert b"mem1" not in auth.client.get(f"/threads/{thread_id}").data
    assert api.call("GET", "/api/v1/me", tokens["mem1"]).status_code == 401
    assert api.call("POST", "/api/v1/tokens", auth=("mem1", "correct-horse-battery")).status_code == 401


def test_a_silenced_member_gets_no_private_socket_room(app, client, auth, make, api, community):
    from app.extensions import socketio

    people, tokens, thread_id = community
    api.call("POST", "/api/v1/mod/users/asker/sanctions", tokens["mod"],
             json={"kind": "silence", "days": 1, "reason": "Cool down"})
    auth.login("asker")
    asker = socketio.test_client(app, flask_test_client=client)
    api.call("POST", f"/api/v1/threads/{thread_id}/answers", tokens["mem1"], json={"body": "Try a new cable first."})
    assert [message["name"] for message in asker.get_received()] == []
    asker.disconnect()
    api.call("DELETE", "/api/v1/mod/users/asker/sanctions", tokens["mod"])
    asker = socketio.test_client(app, flask_test_client=client)
    api.call("POST", f"/api/v1/threads/{thread_id}/answers", tokens["mem2"], json={"body": "Or update the firmware."})
    assert "notification" in [message["name"] for message in asker.get_received()]
    asker.disconnect()
