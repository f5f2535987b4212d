"""Events from other processes reach open pages; reconnecting clients get what they missed; rooms are guarded."""
import pytest
from sqlalchemy import update

from app import events
from app.events.relay import Relay
from app.extensions import db, socketio
from app.models import DomainEvent, Thread
from app.realtime import events as socket_events
from tests.functional.test_live_updates import received


def foreign_event(kind, event_id=None, origin="cron-4711", **columns):
    """What another process (a cron `flask sla sweep`) leaves in the log."""
    row = DomainEvent(kind=kind, origin=origin, **({"id": event_id} if event_id else {}), **columns)
    db.session.add(row)
    db.session.commit()
    return row.id


@pytest.fixture()
def heard():
    seen = []
    events.subscribe(seen.append)
    yield seen
    events._subscribers.remove(seen.append)


def test_the_relay_hands_other_processes_events_to_open_pages_and_subscribers(app, client, make, heard):
    make.category("printers")
    thread_id = make.thread(make.user("alice"))
    watcher = socketio.test_client(app, flask_test_client=client)
    watcher.emit("join_thread", {"thread_id": thread_id}, callback=True)
    with app.app_context():
        relay = Relay()
        relay.poll()
        foreign_id = foreign_event("escalated", thread_id=thread_id, payload={"reason": "sla"})
        assert relay.relay_once() == 1
    assert received(watcher, "thread_update") == [{"thread_id": thread_id, "kind": "escalated"}]
    assert [(h.id, h.kind) for h in heard][-1:] == [(foreign_id, "escalated")]


def test_the_relay_skips_its_own_processes_events(app, make, heard):
    make.category("printers")
    with app.app_context():
        relay = Relay()
        relay.poll()
    make.thread(make.user("alice"))
    assert [h.kind for h in heard][-1:] == ["asked"]
    before = list(heard)
    with app.app_context():
        assert relay.relay_once() == 0
    assert heard == before


def test_an_event_committed_out_of_id_order_is_still_relayed_once(app, heard):
    """PostgreSQL may make id 11 visible after id 12: the relay waits for the gap."""
    with app.app_context():
        relay = Relay()
        relay.poll()
        foreign_event("voted", event_id=12, thread_id=1)
        assert [h.id for h in relay.poll()] == [12]
        assert 11 in relay.gaps
        foreign_event("voted", event_id=11, thread_id=1)
        assert relay.relay_once() == 1
        assert relay.gaps == {} or 11 not in relay.gaps
        assert relay.poll() == []


def test_a_gap_that_never_fills_is_given_up(app):
    now = [100.0]
    with app.app_context():
        relay = Relay(gap_seconds=10, monotonic=lambda: now[0])
        relay.poll()
        foreign_event("voted", event_id=30, thread_id=1)
        relay.poll()
        assert set(relay.gaps) == set(range(1, 30))
        now[0] += 11
        relay.poll()
        assert relay.gaps == {}


def test_with_a_message_queue_relayed_events_are_not_emitted_twice(app, client, make):
    """The writer published through Redis already; the relay only informs local subscribers."""
    make.category("printers")
    thread_id = make.thread(make.user("alice"))
    watcher = socketio.test_client(app, flask_test_client=client)
    watcher.emit("join_thread", {"thread_id": thread_id}, callback=True)
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:6379/14"
    try:
        with app.app_context():
            relay = Relay()
            relay.poll()
            foreign_event("escalated", thread_id=thread_id)
            assert relay.relay_once() == 1
    finally:
        app.config["SOCKETIO_MESSAGE_QUEUE"] = ""
    assert received(watcher, "thread_update") == []


def test_a_reconnecting_page_gets_the_thread_events_it_missed(app, client, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    with app.app_context():
        last_seen = db.session.scalar(db.select(db.func.max(DomainEvent.id)))
    make.answer(bob, thread_id)
    make.answer(bob, thread_id, body="Or try the other tray, it helped me.")
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.emit("join_thread", {"thread_id": thread_id, "since": last_seen}, callback=True) == {"ok": True}
    updates = [event["args"][0] for event in watcher.get_received() if event["name"] == "thread_update"]
    assert [update["kind"] for update in updates] == ["answered", "answered"]
    assert all(update["id"] > last_seen for update in updates)


def test_a_reconnecting_user_gets_missed_notifications_on_connect(app, client, auth, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    make.answer(bob, thread_id)
    auth.login("alice")
    fresh = socketio.test_client(app, flask_test_client=client)
    assert received(fresh, "notification") == []
    replayed = socketio.test_client(app, flask_test_client=client, auth={"since": 0})
    assert received(replayed, "notification") == [{"kind": "answered", "thread_id": thread_id}]


def test_too_many_missed_events_ask_the_page_to_reload(app, client, make, monkeypatch):
    make.category("printers")
    thread_id = make.thread(make.user("alice"))
    monkeypatch.setattr(socket_events, "REPLAY_LIMIT", 2)
    with app.app_context():
        for _ in range(3):
            foreign_event("edited", thread_id=thread_id)
    watcher = socketio.test_client(app, flask_test_client=client)
    watcher.emit("join_list", {"since": 0}, callback=True)
    names = [event["name"] for event in watcher.get_received()]
    assert names == ["resync"]


@pytest.mark.parametrize("visibility", ["hidden", "pending", "deleted"])
def test_thread_rooms_of_threads_the_user_may_not_see_are_refused(app, client, make, visibility):
    make.category("printers")
    thread_id = make.thread(make.user("alice"))
    with app.app_context():
        db.session.execute(update(Thread).where(Thread.id == thread_id).values(visibility=visibility))
        db.session.commit()
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.emit("join_thread", {"thread_id": thread_id, "since": 0}, callback=True) == {"ok": False}
    assert watcher.emit("join_thread", {"thread_id": 999999}, callback=True) == {"ok": False}
    assert watcher.get_received() == []


def test_members_hear_neither_the_staff_room_nor_other_users_rooms(app, client, auth, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    make.user("sam", role="staff")
    thread_id = make.thread(alice)
    auth.login("bob")
    member = socketio.test_client(app, flask_test_client=client, auth={"since": 0})
    staff_http = app.test_client()
    staff_http.post("/auth/login", data={"login": "sam", "password": "correct-horse-battery"})
    staff = socketio.test_client(app, flask_test_client=staff_http)
    member.get_received()
    staff.get_received()
    make.answer(make.user("carla"), thread_id)
    assert {event["name"] for event in member.get_received()} == set()
    assert {event["name"] for event in staff.get_received()} == {"queue_update"}


def test_staff_on_the_same_thread_see_each_other_and_members_do_not(app, make):
    make.category("printers")
    thread_id = make.thread(make.user("alice"))
    make.user("sam", role="staff")
    make.user("tara", role="staff")
    clients = {}
    for name in ("sam", "tara", "alice"):
        http = app.test_client()
        http.post("/auth/login", data={"login": name, "password": "correct-horse-battery"})
        clients[name] = socketio.test_client(app, flask_test_client=http)
    clients["sam"].emit("join_thread", {"thread_id": thread_id}, callback=True)
    clients["tara"].emit("join_thread", {"thread_id": thread_id}, callback=True)
    clients["alice"].emit("join_thread", {"thread_id": thread_id}, callback=True)
    seen = [event["args"][0]["names"] for event in clients["sam"].get_received() if event["name"] == "viewers"]
    assert seen[-1] == ["sam", "tara"]
    assert [event for event in clients["alice"].get_received() if event["name"] == "viewers"] == []
    clients["tara"].disconnect()
    seen = [event["args"][0]["names"] for event in clients["sam"].get_received() if event["name"] == "viewers"]
    assert seen[-1] == ["sam"]
    clients["sam"].disconnect()
    clients["alice"].disconnect()
