"""Closing the loop: resolution check after staff/community answers, Yes/No, auto-resolve, Ask staff."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, Thread, ThreadEvent
from app.services import sla


@pytest.fixture()
def world(make):
    make.category("printers", sla_minutes=60, staff_response_minutes=30)
    return {"asker": make.user("alice"), "helper": make.user("bob"), "sam": make.user("sam", role="staff")}


def kinds(app, thread_id):
    with app.app_context():
        return [k for (k,) in db.session.execute(select(ThreadEvent.kind).where(
            ThreadEvent.thread_id == thread_id).order_by(ThreadEvent.id))]


def thread_state(app, thread_id):
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        return thread.status, thread.needs_staff, thread.priority, thread.accepted_answer_id


def queue_ids(api, token):
    return [item["id"] for item in api.call("GET", "/api/v1/staff/queue", token).get_json()["items"]]


def test_no_sends_it_back_to_the_queue_with_priority_then_yes_resolves(app, world, make, frozen_clock, auth,
                                                                          client, api):
    thread_id = make.thread(world["asker"])
    frozen_clock.advance(minutes=61)
    with app.app_context():
        sla.run_scheduled_work()
    staff_token = api.token("sam")
    assert queue_ids(api, staff_token) == [thread_id]
    staff_answer = make.answer(world["sam"], thread_id, body="Please reinstall the driver version 4.2.")
    assert queue_ids(api, staff_token) == []

    auth.login("alice")
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "Did this solve your problem?" in page
    assert "Did this solve your problem?" in client.get("/notifications").get_data(as_text=True)
    response = client.post(f"/threads/{thread_id}/resolution-check",
                           data={"solved": "no", "comment": "Still prints blank pages."})
    assert response.status_code == 303
    status, needs_staff, priority, accepted = thread_state(app, thread_id)
    assert (status, needs_staff, priority, accepted) == ("answered", True, 1, None)
    assert queue_ids(api, staff_token) == [thread_id]
    assert "Did this solve your problem?" not in client.get(f"/threads/{thread_id}").get_data(as_text=True)
    with app.app_context():
        reopened = db.session.scalar(select(ThreadEvent).where(ThreadEvent.thread_id == thread_id,
                                                               ThreadEvent.kind == "reopened"))
        assert reopened.detail["comment"] == "Still prints blank pages."

    second = make.answer(world["sam"], thread_id, body="Then the print head needs cleaning: menu > tools.")
    assert client.post(f"/threads/{thread_id}/resolution-check", data={"solved": "yes"}).status_code == 303
    status, needs_staff, _priority, accepted = thread_state(app, thread_id)
    assert (status, needs_staff, accepted) == ("resolved", False, second)
    assert staff_answer != second
    assert kinds(app, thread_id)[-1] == "resolution_confirmed"
    assert queue_ids(api, staff_token) == []


def test_only_the_asker_can_answer_the_check_and_bad_input_is_400(app, world, make, auth, client, api):
    thread_id = make.thread(world["asker"])
    make.answer(world["sam"], thread_id)
    auth.login("bob")
    assert client.post(f"/threads/{thread_id}/resolution-check", data={"solved": "yes"}).status_code == 403
    auth.logout()
    auth.login("alice")
    assert client.post(f"/threads/{thread_id}/resolution-check", data={"solved": "maybe"}).status_code == 400
    token = api.token("alice")
    assert api.call("POST", f"/api/v1/threads/{thread_id}/resolution-check", token,
                    json={"solved": "yes"}).status_code == 400
    ok = api.call("POST", f"/api/v1/threads/{thread_id}/resolution-check", token, json={"solved": True})
    assert ok.status_code == 200 and ok.get_json()["status"] == "resolved"
    assert api.call("POST", f"/api/v1/threads/{thread_id}/resolution-check", token,
                    json={"solved": False}).status_code == 409


def test_prompt_after_unaccepted_community_answer(app, world, make, frozen_clock, auth, client):
    app.config["RESOLUTION_CHECK_AFTER_COMMUNITY_HOURS"] = 48
    thread_id = make.thread(world["asker"])
    make.answer(world["helper"], thread_id)
    frozen_clock.advance(hours=47)
    with app.app_context():
        assert sla.run_scheduled_work().prompted == []
    frozen_clock.advance(hours=1)
    with app.app_context():
        assert sla.run_scheduled_work().prompted == [thread_id]
        assert sla.run_scheduled_work().prompted == []
        assert db.session.scalar(select(db.func.count(Notification.id)).where(
            Notification.kind == "resolution_check")) == 1
    auth.login("alice")
    assert "Did this solve your problem?" in client.get(f"/threads/{thread_id}").get_data(as_text=True)


def test_auto_resolves_unconfirmed_staff_answers(app, world, make, frozen_clock):
    thread_id = make.thread(world["asker"])
    make.answer(world["sam"], thread_id)
    frozen_clock.advance(days=7, seconds=-1)
    with app.app_context():
        assert sla.run_scheduled_work().auto_resolved == []
    frozen_clock.advance(seconds=1)
    with app.app_context():
        assert sla.run_scheduled_work().auto_resolved == [thread_id]
        assert sla.run_scheduled_work().auto_resolved == []
    assert thread_state(app, thread_id)[0] == "resolved"
    assert kinds(app, thread_id).count("auto_resolved") == 1


def test_ask_staff_needs_the_askers_agreement(app, world, make, frozen_clock, auth, client, api):
    thread_id = make.thread(world["asker"])
    make.answer(world["helper"], thread_id)
    auth.login("bob")
    assert client.post(f"/threads/{thread_id}/ask-staff").status_code == 409      # window still open
    frozen_clock.advance(minutes=61)
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "Ask staff" in page
    assert client.post(f"/threads/{thread_id}/ask-staff").status_code == 303
    assert thread_state(app, thread_id)[1] is False                                 # not yet: asker decides
    assert "waiting for the asker" in client.get(f"/threads/{thread_id}").get_data(as_text=True)
    auth.logout()
    auth.login("alice")
    assert "Should our staff step in?" in client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert client.post(f"/threads/{thread_id}/staff-request", data={"agree": "yes"}).status_code == 303
    assert thread_state(app, thread_id)[1] is True
    assert queue_ids(api, api.token("sam")) == [thread_id]
    assert kinds(app, thread_id).count("escalated") == 1


def test_asker_can_ask_staff_directly_after_the_window(app, world, make, frozen_clock, api):
    thread_id = make.thread(world["asker"])
    make.answer(world["helper"], thread_id)
    frozen_clock.advance(minutes=61)
    response = api.call("POST", f"/api/v1/threads/{thread_id}/ask-staff", api.token("alice"))
    assert response.status_code == 200 and response.get_json()["outcome"] == "escalated"
    assert api.call("POST", f"/api/v1/threads/{thread_id}/ask-staff", api.token("alice")).status_code == 409
