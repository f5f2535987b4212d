"""Internal staff notes never reach a public surface: pages, public API, search outbox, sockets."""
import pytest
from sqlalchemy import select

from app.extensions import db, socketio
from app.models import SearchOutbox

SECRET = "Customer-is-on-legacy-plan-XYZZY"


@pytest.fixture()
def world(make, app):
    make.category("printers", sla_minutes=60)
    alice, bob = make.user("alice"), make.user("bob")
    make.user("sam", role="staff")
    thread_id = make.thread(alice)
    make.answer(bob, thread_id)
    return {"thread_id": thread_id, "alice": alice}


def _add_notes(client, auth, thread_id, customer_id):
    auth.login("sam")
    assert client.post(f"/staff/threads/{thread_id}/notes", data={"body": f"Thread note {SECRET}"}).status_code == 303
    assert client.post(f"/staff/customers/{customer_id}/notes",
                       data={"body": f"Customer note {SECRET}", "thread_id": thread_id}).status_code == 303
    assert client.post(f"/staff/threads/{thread_id}/claim").status_code == 303
    staff_page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert staff_page.count(SECRET) == 2 and "Staff panel" in staff_page
    auth.logout()


def test_notes_absent_from_public_pages_and_api(app, world, client, auth, api):
    thread_id = world["thread_id"]
    with app.app_context():
        outbox_before = db.session.scalar(select(db.func.count(SearchOutbox.id)))
    _add_notes(client, auth, thread_id, world["alice"].id)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(SearchOutbox.id))) == outbox_before
    surfaces = [client.get(f"/threads/{thread_id}"), client.get("/"), client.get("/users/alice"),
                client.get(f"/api/v1/threads/{thread_id}"), client.get("/api/v1/threads")]
    for username in ("alice", "bob"):
        auth.login(username)
        surfaces += [client.get(f"/threads/{thread_id}"), client.get("/notifications")]
        auth.logout()
        surfaces.append(api.call("GET", f"/api/v1/threads/{thread_id}", api.token(username)))
    for response in surfaces:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert SECRET not in body and "Staff panel" not in body and "Internal note" not in body


def test_notes_and_handovers_never_reach_non_staff_sockets(app, world, client, auth):
    thread_id = world["thread_id"]
    member_http, staff_http = app.test_client(), app.test_client()
    member_http.post("/auth/login", data={"login": "bob", "password": "correct-horse-battery"})
    staff_http.post("/auth/login", data={"login": "sam", "password": "correct-horse-battery"})
    member = socketio.test_client(app, flask_test_client=member_http)
    anonymous = socketio.test_client(app)
    watcher = socketio.test_client(app, flask_test_client=staff_http)
    for sock in (member, anonymous, watcher):
        sock.emit("join_thread", {"thread_id": thread_id})
        sock.emit("join_list")
        sock.get_received()
    _add_notes(client, auth, thread_id, world["alice"].id)
    for sock in (member, anonymous):
        received = sock.get_received()
        assert received == [], received
    staff_events = watcher.get_received()
    assert {event["name"] for event in staff_events} == {"queue_update"}
    assert all(set(event["args"][0]) == {"id", "thread_id", "kind"} for event in staff_events)
    assert SECRET not in repr(staff_events)
    for sock in (member, anonymous, watcher):
        sock.disconnect()
