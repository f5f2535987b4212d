"""The staff queue page and API: ordering, filters, claims, departments, constant query count."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Department, Thread, ThreadEvent, User
from app.services import sla, staff_queue
from app.services.errors import Conflict


@pytest.fixture()
def world(make):
    make.category("printers", sla_minutes=60, staff_response_minutes=30)
    make.category("billing", sla_minutes=240, staff_response_minutes=60)
    return {"asker": make.user("alice"), "helper": make.user("bob"),
            "sam": make.user("sam", role="staff"), "tara": make.user("tara", role="staff")}


def test_queue_includes_unswept_overdue_threads_most_overdue_first(app, world, make, frozen_clock, auth, client):
    first = make.thread(world["asker"], title="Printer offline since Monday")
    frozen_clock.advance(minutes=10)
    second = make.thread(world["asker"], title="Printer prints blank pages")
    frozen_clock.advance(minutes=10)
    billing = make.thread(world["asker"], title="Invoice shows wrong VAT", category="billing")
    frozen_clock.advance(minutes=100)      # both printer threads overdue; no sweep has run
    auth.login("sam")
    page = client.get("/staff/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index("Printer offline since Monday") < html.index("Printer prints blank pages")
    assert "Invoice shows wrong VAT" not in html and "not yet swept" in html
    with app.app_context():
        sla.escalate_overdue_threads()
    frozen_clock.advance(minutes=40)       # the staff target (30 min from escalation) is 10 min breached
    api_items = _api_queue(client, app, "sam")
    assert [item["id"] for item in api_items] == [first, second]
    assert api_items[0]["breach_minutes"] == 10 and api_items[1]["breach_minutes"] == 10
    assert api_items[0]["staff_response_minutes"] == 30 and api_items[0]["swept"] is True
    assert billing not in [item["id"] for item in api_items]


def _api_queue(client, app, username, query=""):
    token = client.post("/api/v1/tokens", auth=(username, "correct-horse-battery")).get_json()["token"]
    response = client.get(f"/api/v1/staff/queue{query}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_due_soon_mine_unassigned_and_category_filters(app, world, make, frozen_clock, client):
    overdue = make.thread(world["asker"], title="Printer offline since Monday")
    frozen_clock.advance(minutes=30)
    soon = make.thread(world["asker"], title="Printer makes a loud noise")
    frozen_clock.advance(minutes=45)            # overdue passed; `soon` closes in 15 minutes
    billing = make.thread(world["asker"], title="Invoice shows wrong VAT", category="billing")
    assert [i["id"] for i in _api_queue(client, app, "sam", "?view=due_soon")] == [soon]
    assert _api_queue(client, app, "sam", "?view=due_soon")[0]["due_in_minutes"] == 15
    with app.app_context():
        staff_queue.claim(db.session.get(User, world["sam"].id), overdue)
    assert [i["id"] for i in _api_queue(client, app, "sam", "?view=mine")] == [overdue]
    assert _api_queue(client, app, "tara", "?view=mine") == []
    assert _api_queue(client, app, "tara", "?view=unassigned") == []
    assert [i["id"] for i in _api_queue(client, app, "sam", "?category=printers")] == [overdue]
    assert _api_queue(client, app, "sam", "?category=billing") == []
    assert billing


def test_bad_queue_parameters_are_400(world, auth, client):
    auth.login("sam")
    assert client.get("/staff/?view=nope").status_code == 400
    assert client.get("/staff/?page=0").status_code == 400


def test_claim_assign_unclaim_with_internal_timeline(app, world, make, frozen_clock, api):
    thread_id = make.thread(world["asker"])
    sam, tara = api.token("sam"), api.token("tara")
    assert api.call("POST", f"/api/v1/staff/threads/{thread_id}/claim", sam).get_json()["assignee"] == "sam"
    lost = api.call("POST", f"/api/v1/staff/threads/{thread_id}/claim", tara)
    assert lost.status_code == 409 and "already claimed by sam" in lost.get_json()["error"]["message"].lower()
    assert api.call("POST", f"/api/v1/staff/threads/{thread_id}/unclaim", tara).status_code == 403
    moved = api.call("POST", f"/api/v1/staff/threads/{thread_id}/assign", sam, json={"assignee": "tara"})
    assert moved.get_json()["assignee"] == "tara"
    bad = api.call("POST", f"/api/v1/staff/threads/{thread_id}/assign", sam, json={"assignee": "alice"})
    assert bad.status_code == 400
    assert api.call("POST", f"/api/v1/staff/threads/{thread_id}/unclaim", tara).get_json()["assignee"] is None
    with app.app_context():
        events = db.session.execute(select(ThreadEvent.kind, ThreadEvent.is_internal).where(
            ThreadEvent.thread_id == thread_id).order_by(ThreadEvent.id)).all()
    assert [(k, i) for k, i in events if i] == [("claimed", True), ("assigned", True), ("unclaimed", True)]


def test_claim_conflict_on_the_page_names_the_winner(app, world, make, auth, client):
    thread_id = make.thread(world["asker"])
    auth.login("sam")
    client.post(f"/staff/threads/{thread_id}/claim")
    auth.logout()
    auth.login("tara")
    response = client.post(f"/staff/threads/{thread_id}/claim", follow_redirects=True)
    assert "Already claimed by sam" in response.get_data(as_text=True)


def test_concurrent_claims_have_exactly_one_winner(app, world, make):
    thread_id = make.thread(world["asker"])
    barrier, outcomes = threading.Barrier(2), []

    def claim(user_id):
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                staff_queue.claim(user, thread_id)
                outcomes.append(("won", user.username))
            except Conflict as error:
                outcomes.append(("lost", error.message))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=claim, args=(world[name].id,)) for name in ("sam", "tara")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    winners = [who for result, who in outcomes if result == "won"]
    losers = [message for result, message in outcomes if result == "lost"]
    assert len(winners) == 1 and len(losers) == 1
    assert f"Already claimed by {winners[0]}" in losers[0]
    with app.app_context():
        assert db.session.get(Thread, thread_id).assignee.username == winners[0]
        assert db.session.scalar(select(db.func.count(ThreadEvent.id)).where(
            ThreadEvent.thread_id == thread_id, ThreadEvent.kind == "claimed")) == 1


def test_department_escalation_needs_a_note_and_hand_back(app, world, make, frozen_clock, api, client):
    with app.app_context():
        db.session.add(Department(slug="billing-team", name="Billing team",
                                  members=[db.session.get(User, world["tara"].id)]))
        db.session.commit()
    thread_id = make.thread(world["asker"])
    frozen_clock.advance(hours=2)
    sam = api.token("sam")
    missing = api.call("POST", f"/api/v1/staff/threads/{thread_id}/department", sam,
                       json={"department": "billing-team", "note": "  "})
    assert missing.status_code == 400 and "note" in missing.get_json()["error"]["fields"]
    assert api.call("POST", f"/api/v1/staff/threads/{thread_id}/department", sam,
                    json={"department": "nope", "note": "x"}).status_code == 400
    ok = api.call("POST", f"/api/v1/staff/threads/{thread_id}/department", sam,
                  json={"department": "billing-team", "note": "Refund over 500 EUR, needs approval."})
    assert ok.status_code == 200
    assert [i["id"] for i in _api_queue(client, app, "tara", "?view=departments")] == [thread_id]
    assert _api_queue(client, app, "sam", "?view=departments") == []
    assert [i["department"] for i in _api_queue(client, app, "sam", "?department=billing-team")] == ["billing-team"]
    tara = api.token("tara")
    assert api.call("POST", f"/api/v1/staff/threads/{thread_id}/department/return", tara,
                    json={"note": ""}).status_code == 400
    back = api.call("POST", f"/api/v1/staff/threads/{thread_id}/department/return", tara,
                    json={"note": "Approved the refund; please tell the customer."})
    assert back.status_code == 200 and back.get_json()["department_id"] is None
    notes = api.call("GET", f"/api/v1/staff/threads/{thread_id}/notes", sam).get_json()["items"]
    assert len(notes) == 2
    with app.app_context():
        kinds = [k for (k,) in db.session.execute(select(ThreadEvent.kind).where(
            ThreadEvent.thread_id == thread_id, ThreadEvent.is_internal.is_(True)).order_by(ThreadEvent.id))]
    assert kinds == ["department_escalated", "department_returned"]


def test_queue_page_query_count_does_not_grow_with_rows(app, world, make, frozen_clock, auth, client, count_queries):
    first = make.thread(world["asker"], title="Printer problem number 000")
    frozen_clock.advance(hours=2)
    auth.login("sam")
    client.get("/staff/")
    with count_queries() as one:
        assert client.get("/staff/").status_code == 200
    for n in range(1, 25):
        make.thread(world["asker"], title=f"Printer problem number {n:03d}")
    frozen_clock.advance(hours=2)
    with app.app_context():
        staff_queue.claim(db.session.get(User, world["tara"].id), first + 1)
    with count_queries() as many:
        page = client.get("/staff/")
    assert page.get_data(as_text=True).count("class=\"queue-title\"") == 25
    assert many.count == one.count, (one.statements, many.statements)
