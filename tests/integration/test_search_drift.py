"""After each kind of change a thread can go through, `flask search verify` finds the index true.

Each step changes the forum the way a user does (API or pages), lets the
indexer drain the outbox, then runs verify: a change that alters indexed
fields without writing its outbox row shows up as stale.
"""
import pytest

from app import clock
from app.extensions import db
from app.services import sla
from tests.conftest import START
from tests.search_fixtures import search_index  # noqa: F401


@pytest.fixture()
def people(app, make, api):
    make.category("printers")
    make.category("billing")
    make.user("alice"), make.user("bob"), make.user("sam", role="staff")
    return {name: api.token(name) for name in ("alice", "bob", "sam")}


def test_verify_is_clean_after_every_kind_of_change(app, api, client, auth, runner, people, search_index,
                                                    frozen_clock):
    def step(name, response, expected=(200, 201, 202, 204, 302, 303)):
        assert response.status_code in expected, (name, response.status_code, response.get_data(as_text=True)[:300])
        search_index.drain()
        result = runner.invoke(args=["search", "verify"])
        assert result.exit_code == 0 and "The index matches the database." in result.output, (name, result.output)

    alice, bob, sam = people["alice"], people["bob"], people["sam"]
    thread = api.call("POST", "/api/v1/threads", alice, json={
        "title": "Printer shows error E42", "body": "Since the update.", "category": "printers", "tags": ["p200"]})
    step("ask", thread)
    thread_id = thread.get_json()["id"]
    second = api.call("POST", "/api/v1/threads", alice, json={
        "title": "Invoice shows the wrong address", "body": "It has my old street.", "category": "billing"})
    step("ask again", second)
    second_id = second.get_json()["id"]
    answer = api.call("POST", f"/api/v1/threads/{thread_id}/answers", bob, json={"body": "Unplug it first."})
    step("answer", answer)
    answer_id = answer.get_json()["id"]
    step("vote on the question", api.call("POST", f"/api/v1/threads/{thread_id}/vote", bob, json={"value": 1}))
    step("vote on the answer", api.call("POST", f"/api/v1/answers/{answer_id}/vote", alice, json={"value": 1}))
    step("withdraw a vote", api.call("POST", f"/api/v1/answers/{answer_id}/vote", alice, json={"value": 0}))
    auth.login("alice")
    step("edit the question", client.post(f"/threads/{thread_id}/edit", data={
        "title": "Printer shows error E42 after the update", "body": "Since the firmware update.",
        "category": "printers", "tags": "p200, firmware"}))
    auth.logout()
    auth.login("bob")
    step("edit the answer", client.post(f"/answers/{answer_id}/edit", data={"body": "Unplug it for a minute."}))
    auth.logout()
    step("accept", api.call("POST", f"/api/v1/threads/{thread_id}/accept", alice, json={"answer_id": answer_id}))
    step("unaccept", api.call("DELETE", f"/api/v1/threads/{thread_id}/accept", alice))
    staff_answer = api.call("POST", f"/api/v1/threads/{thread_id}/answers", sam, json={"body": "A fix is out."})
    step("staff answer", staff_answer)
    frozen_clock.advance(minutes=5)
    step("not solved", api.call("POST", f"/api/v1/threads/{thread_id}/resolution-check", alice,
                                json={"solved": False, "comment": "Still E42."}))
    step("claim", api.call("POST", f"/api/v1/staff/threads/{thread_id}/claim", sam))
    frozen_clock.advance(minutes=5)
    step("solved", api.call("POST", f"/api/v1/threads/{thread_id}/resolution-check", alice,
                            json={"solved": True}))
    frozen_clock.advance(hours=6)
    step("ask staff", api.call("POST", f"/api/v1/threads/{second_id}/ask-staff", alice))
    third = api.call("POST", "/api/v1/threads", bob, json={
        "title": "Scanner skips every second page", "body": "Duplex mode.", "category": "printers"})
    step("ask a third", third)
    frozen_clock.advance(hours=6)
    with app.app_context():
        assert sla.run_scheduled_work().escalated
        db.session.remove()
    step("sweep escalates", client.get("/"))
    auth.login("sam")
    step("promote to an article", client.post(f"/kb/{thread_id}/promote", data={
        "title": "Error E42 after a firmware update", "summary": "Install firmware 2.1.1."}))
    step("close as duplicate", client.post(f"/kb/{second_id}/duplicate", data={"canonical": str(thread_id)}))
    auth.logout()
    step("helpful", client.post(f"/kb/{thread_id}/helpful", data={"helpful": "yes"}))
    frozen_clock.advance(days=30)
    with app.app_context():
        sla.run_scheduled_work()
        db.session.remove()
    step("sweep auto-resolves", client.get("/"))
    assert clock.now() > START
