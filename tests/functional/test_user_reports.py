"""Reports on members, the staff's trust-level lock, and editing or closing threads from the review queue."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, AuditEntry, ReviewItem, Thread, User, UserReport


def set_user(app, user_id, **columns):
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in columns.items():
            setattr(user, name, value)
        db.session.commit()


def user(app, user_id) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


@pytest.fixture()
def crowd(app, make, api):
    """A troll, three level-1 reporters, a newcomer (level 0), a moderator and a staff member, with tokens."""
    make.category()
    people = {name: make.user(name) for name in ("troll", "rep1", "rep2", "rep3", "newbie")}
    people["mod"] = make.user("mod", role="moderator")
    people["sam"] = make.user("sam", role="staff")
    for name in ("troll", "rep1", "rep2", "rep3"):
        set_user(app, people[name].id, trust_level=1, trust_level_locked=True)
    tokens = {name: api.token(name) for name in people}
    return people, tokens


def report(api, token, username="troll", reason="abuse", text="Insults in three threads."):
    return api.call("POST", f"/api/v1/users/{username}/report", token, json={"reason": reason, "text": text})


def test_report_api_201_then_409_refusals_403_and_validation_400(app, crowd, api):
    people, tokens = crowd
    first = report(api, tokens["rep1"])
    assert first.status_code == 201 and first.get_json()["reason"] == "abuse"
    assert report(api, tokens["rep1"]).status_code == 409
    own = report(api, tokens["troll"])
    assert own.status_code == 403 and own.get_json()["error"]["message"] == "You cannot report yourself."
    newcomer = report(api, tokens["newbie"])
    assert newcomer.status_code == 403 and "New members cannot report" in newcomer.get_json()["error"]["message"]
    assert api.call("POST", "/api/v1/users/troll/report", json={"reason": "spam"}).status_code == 401
    other = report(api, tokens["rep2"], reason="other", text="")
    assert other.status_code == 400 and "text" in other.get_json()["error"]["fields"]
    assert report(api, tokens["rep2"], reason="nonsense").status_code == 400
    assert report(api, tokens["rep2"], username="nobody-here").status_code == 404


def test_a_silenced_member_cannot_report(app, crowd, api):
    people, tokens = crowd
    silenced = api.call("POST", "/api/v1/mod/users/rep1/sanctions", tokens["mod"],
                        json={"kind": "silence", "days": 2, "reason": "Cool down"})
    assert silenced.status_code == 201
    refused = report(api, tokens["rep1"])
    assert refused.status_code == 403 and "silenced" in refused.get_json()["error"]["message"]


def test_reports_gather_in_one_queue_item_and_a_suspension_resolves_it(app, crowd, api):
    people, tokens = crowd
    for name in ("rep1", "rep2", "rep3"):
        assert report(api, tokens[name], text=f"Seen by {name}").status_code == 201
    page = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()
    assert page["total"] == 1
    item = page["items"][0]
    assert item["kind"] == "user_report" and item["post"] is None
    assert item["user"]["username"] == "troll" and len(item["reports"]) == 3
    assert {one["reporter"] for one in item["reports"]} == {"rep1", "rep2", "rep3"}
    assert item["actions"] == ["dismiss", "warn", "silence", "suspend", "ban"]
    missing_days = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"],
                            json={"action": "suspend", "reason": "Abuse"})
    assert missing_days.status_code == 400 and "days" in missing_days.get_json()["error"]["fields"]
    with app.app_context():   # the refused sanction left the item open and the reports undecided
        assert db.session.get(ReviewItem, item["id"]).status == "open"
    done = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"],
                    json={"action": "suspend", "days": 3, "reason": "Abuse of other members"})
    assert done.status_code == 200 and done.get_json() == {"id": item["id"], "status": "resolved",
                                                           "resolution": "suspend"}
    troll = user(app, people["troll"].id)
    assert troll.suspended_until is not None and troll.sanction_reason == "Abuse of other members"
    assert user(app, people["rep1"].id).flags_upheld == 1
    with app.app_context():
        assert set(db.session.scalars(select(UserReport.upheld))) == {True}
        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert "user_suspend" in actions
    assert api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["total"] == 0
    # A new report after the decision opens a new item.
    assert report(api, tokens["rep1"], text="Back again after the suspension").status_code == 201


def test_dismissing_counts_against_the_reporters_and_is_audited(app, crowd, api):
    people, tokens = crowd
    report(api, tokens["rep1"])
    item = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["items"][0]
    assert api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["rep2"],
                    json={"action": "dismiss"}).status_code == 403
    done = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"],
                    json={"action": "dismiss", "reason": "Heated, not abusive"})
    assert done.get_json()["resolution"] == "dismiss"
    assert (user(app, people["rep1"].id).flags_dismissed, user(app, people["troll"].id).suspended_until) == (1, None)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user_report_dismissed"))
        assert entry.target_user_id == people["troll"].id and entry.reason == "Heated, not abusive"
    again = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"], json={"action": "dismiss"})
    assert again.status_code == 409


def test_a_moderator_may_only_dismiss_reports_on_staff(app, crowd, api):
    people, tokens = crowd
    assert report(api, tokens["rep1"], username="sam").status_code == 201
    item = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["items"][0]
    assert item["actions"] == ["dismiss"]
    refused = api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"],
                       json={"action": "ban", "reason": "No"})
    assert refused.status_code == 403


def test_report_from_the_profile_page_and_the_queue_page(app, crowd, client, auth):
    people, tokens = crowd
    auth.login("rep1")
    profile = client.get("/users/troll").get_data(as_text=True)
    assert "Report this member" in profile and "Trust level" in profile
    assert "Report this member" not in client.get("/users/rep1").get_data(as_text=True)   # not yourself
    sent = client.post("/users/troll/report", data={"reason": "spam", "text": "Links to a shop"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/users/troll")
    auth.logout()
    auth.login("newbie")
    assert "Report this member" not in client.get("/users/troll").get_data(as_text=True)
    auth.logout()
    auth.login("mod")
    queue = client.get("/mod/").get_data(as_text=True)
    assert "User report" in queue and "Links to a shop" in queue and "Suspend" in queue
    with app.app_context():
        item_id = db.session.scalar(select(ReviewItem.id))
    assert client.post(f"/mod/items/{item_id}", data={"action": "warn", "reason": "Stop posting shop links"}
                       ).status_code == 303
    with app.app_context():
        assert db.session.get(ReviewItem, item_id).resolution == "warn"


def test_staff_lock_and_unlock_a_trust_level_audited(app, crowd, api, client, auth):
    people, tokens = crowd
    locked = api.call("PUT", "/api/v1/users/newbie/trust-level", tokens["sam"], json={"level": 2})
    assert locked.status_code == 200 and locked.get_json() == {"username": "newbie", "trust_level": 2,
                                                               "locked": True}
    public = api.call("GET", "/api/v1/users/newbie").get_json()
    assert public["trust_level"] == 2 and "retag" in public["privileges"]
    assert api.call("PUT", "/api/v1/users/newbie/trust-level", tokens["rep1"], json={"level": 3}).status_code == 403
    assert api.call("PUT", "/api/v1/users/newbie/trust-level", tokens["sam"], json={"level": 7}).status_code == 400
    assert api.call("PUT", "/api/v1/users/newbie/trust-level", tokens["sam"], json={"level": True}).status_code == 400
    unlocked = api.call("DELETE", "/api/v1/users/newbie/trust-level", tokens["sam"])
    assert unlocked.get_json() == {"username": "newbie", "trust_level": 0, "locked": False}
    auth.login("sam")
    assert "Lock the trust level" in client.get("/users/newbie").get_data(as_text=True)
    assert client.post("/users/newbie/trust-level", data={"level": "1"}).status_code == 303
    assert (user(app, people["newbie"].id).trust_level, user(app, people["newbie"].id).trust_level_locked) == (1, True)
    page = client.get("/users/newbie").get_data(as_text=True)
    assert "locked by staff" in page and "1 · Basic member" in page
    assert client.post("/users/newbie/trust-level", data={"level": "1", "unlock": "1"}).status_code == 303
    assert user(app, people["newbie"].id).trust_level_locked is False
    with app.app_context():
        rows = list(db.session.execute(select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                                       .order_by(AuditEntry.id)))
    assert [row.action for row in rows] == ["trust_level_locked", "trust_level_unlocked", "trust_level_locked",
                                            "trust_level_unlocked"]
    assert rows[0].before == {"trust_level": 0, "locked": False} and rows[0].after == {"trust_level": 2,
                                                                                       "locked": True}


# --- editing and closing from the queue -------------------------------------------------------------

@pytest.fixture()
def flagged(app, crowd, make, api):
    """The troll's question and answer, each flagged once; plus an original question to point duplicates at."""
    people, tokens = crowd
    original = make.thread(people["rep3"], title="How to reset the printer to factory settings")
    thread_id = make.thread(people["troll"], title="Printer reset question asked again")
    answer_id = make.answer(people["troll"], original, body="Buy a new printer, this one is rubbish.")
    assert api.call("POST", f"/api/v1/threads/{thread_id}/flag", tokens["rep1"], json={"reason": "spam"}
                    ).status_code == 201
    assert api.call("POST", f"/api/v1/answers/{answer_id}/flag", tokens["rep1"], json={"reason": "offensive"}
                    ).status_code == 201
    items = {entry["post"]["type"]: entry for entry in api.call("GET", "/api/v1/mod/queue", tokens["mod"]
                                                                ).get_json()["items"]}
    return people, tokens, original, thread_id, answer_id, items


def test_edit_from_the_queue_is_audited_with_before_and_after(app, flagged, api):
    people, tokens, original, thread_id, answer_id, items = flagged
    assert "edit" in items["answer"]["actions"]
    edited = api.call("POST", f"/api/v1/mod/queue/{items['answer']['id']}", tokens["mod"],
                      json={"action": "edit", "body": "A new printer may help if the reset fails."})
    assert edited.status_code == 200 and edited.get_json()["status"] == "open"
    title = api.call("POST", f"/api/v1/mod/queue/{items['thread']['id']}", tokens["mod"],
                     json={"action": "edit", "title": "Resetting the printer", "body": "How do I reset it?"})
    assert title.status_code == 200
    short = api.call("POST", f"/api/v1/mod/queue/{items['thread']['id']}", tokens["mod"],
                     json={"action": "edit", "body": "short"})
    assert short.status_code == 400
    assert api.call("POST", f"/api/v1/mod/queue/{items['thread']['id']}", tokens["rep1"],
                    json={"action": "edit", "body": "Members cannot do this."}).status_code == 403
    with app.app_context():
        assert db.session.get(Answer, answer_id).body_source == "A new printer may help if the reset fails."
        assert db.session.get(Thread, thread_id).title == "Resetting the printer"
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "post_edited")
                                       .order_by(AuditEntry.id)))
    assert rows[0].before == {"body": "Buy a new printer, this one is rubbish."}
    assert rows[0].after == {"body": "A new printer may help if the reset fails."}
    assert rows[1].before["title"] == "Printer reset question asked again" and rows[1].actor_id == people["mod"].id


def test_close_as_duplicate_and_off_topic_from_the_queue_and_reopen(app, flagged, api):
    people, tokens, original, thread_id, answer_id, items = flagged
    item = items["thread"]
    assert set(item["thread_actions"]) == {"lock", "close", "duplicate", "pin", "move"}

    def act(**body):
        return api.call("POST", f"/api/v1/mod/queue/{item['id']}", tokens["mod"], json=body)

    assert act(action="duplicate", duplicate_of=thread_id).status_code == 400      # not of itself
    assert act(action="duplicate", duplicate_of="x").status_code == 400
    assert act(action="duplicate", duplicate_of=original, reason="Asked before").status_code == 200
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert (thread.status, thread.duplicate_of_id) == ("closed", original)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "thread_duplicate"))
        assert entry.reason == "Asked before" and entry.after["duplicate_of"] == original
        assert entry.before["duplicate_of"] is None
    listed = api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["items"]
    assert "reopen" in next(one for one in listed if one["id"] == item["id"])["thread_actions"]
    assert act(action="reopen").status_code == 200
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert (thread.status, thread.duplicate_of_id) == ("unanswered", None)
    assert act(action="close", reason="Not about our products").status_code == 200
    assert act(action="close").status_code == 409
    assert act(action="reopen").status_code == 200
    for action in ("lock", "pin", "unpin", "unlock"):
        assert act(action=action).status_code == 200
    make_category = api.call("POST", f"/api/v1/mod/queue/{items['answer']['id']}", tokens["mod"],
                             json={"action": "move", "category": "nowhere"})
    assert make_category.status_code == 400
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        open_items = db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.status == "open"))
    assert actions == ["thread_duplicate", "thread_reopen", "thread_close", "thread_reopen", "thread_lock",
                       "thread_pin", "thread_unpin", "thread_unlock"]
    assert open_items == 2          # thread actions leave the decision on the post to the moderator


def test_queue_page_forms_edit_and_close_as_duplicate(app, flagged, client, auth):
    people, tokens, original, thread_id, answer_id, items = flagged
    auth.login("mod")
    page = client.get("/mod/").get_data(as_text=True)
    assert "Edit the post" in page and "Close as duplicate" in page and "Move to category" in page
    item = items["thread"]["id"]
    assert client.post(f"/mod/items/{item}/edit", data={"title": "Resetting the printer, again",
                                                        "body": "How do I reset the printer?"}).status_code == 303
    assert client.post(f"/mod/items/{item}/thread", data={"action": "duplicate", "duplicate_of": str(original)}
                       ).status_code == 303
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert (thread.title, thread.duplicate_of_id) == ("Resetting the printer, again", original)
    bad = client.post(f"/mod/items/{item}/thread", data={"action": "move", "category": "nowhere"},
                      follow_redirects=True)
    assert "Choose a category." in bad.get_data(as_text=True)


def test_the_queue_costs_the_same_queries_for_one_item_or_a_full_mixed_page(app, crowd, make, api, client, auth,
                                                                            count_queries):
    """Flagged questions and answers, held posts and user reports: statements per page do not grow."""
    people, tokens = crowd

    def statements(path, **kwargs):
        client.get(path, **kwargs)
        with count_queries() as counter:
            assert client.get(path, **kwargs).status_code == 200
        return counter.count

    auth.login("mod")
    bearer = {"headers": {"Authorization": f"Bearer {tokens['mod']}"}}
    first = make.thread(people["rep3"], title="The first flagged question here")
    api.call("POST", f"/api/v1/threads/{first}/flag", tokens["rep1"], json={"reason": "spam"})
    api.call("POST", f"/api/v1/answers/{make.answer(people['rep2'], first)}/flag", tokens["rep1"],
             json={"reason": "spam"})
    assert report(api, tokens["rep2"], username="troll").status_code == 201
    one = (statements("/mod/"), statements("/api/v1/mod/queue", **bearer))     # one item of each kind
    for n in range(12):
        thread = make.thread(people["rep3"], title=f"Flagged question number {n}")
        answer = make.answer(people["rep2"], thread, body=f"Flagged answer number {n} here.")
        api.call("POST", f"/api/v1/threads/{thread}/flag", tokens["rep1"], json={"reason": "spam"})
        api.call("POST", f"/api/v1/answers/{answer}/flag", tokens["rep1"], json={"reason": "offensive"})
    for name in ("troll", "rep2", "newbie", "sam"):
        assert report(api, tokens["rep1"], username=name).status_code == 201
    assert api.call("GET", "/api/v1/mod/queue", tokens["mod"]).get_json()["total"] == 30   # troll's item is shared
    full = (statements("/mod/"), statements("/api/v1/mod/queue", **bearer))
    last = (statements("/mod/?page=2"), statements("/api/v1/mod/queue?page=2", **bearer))
    assert one == full == last, (one, full, last)
