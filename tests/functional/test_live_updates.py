"""Socket.IO: followers of a thread or the list hear about changes, with ids only."""
from app.extensions import socketio


def received(socket_client, name, events=None):
    """Payloads of one event name without their event id; get_received() drains the queue, so pass
    `events` to reuse it."""
    events = socket_client.get_received() if events is None else events
    return [{key: value for key, value in event["args"][0].items() if key != "id"}
            for event in events if event["name"] == name]


def test_thread_followers_hear_new_answers(app, client, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.is_connected()
    assert watcher.emit("join_thread", {"thread_id": thread_id}, callback=True) == {"ok": True}
    assert watcher.emit("join_list", callback=True) == {"ok": True}
    make.answer(bob, thread_id)
    events = watcher.get_received()
    assert received(watcher, "thread_update", events) == [{"thread_id": thread_id, "kind": "answered"}]
    assert received(watcher, "thread_list_update", events) == [{"thread_id": thread_id, "kind": "answered"}]


def test_other_threads_stay_quiet(app, client, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    watched, other = make.thread(alice), make.thread(alice, title="Another printer question")
    watcher = socketio.test_client(app, flask_test_client=client)
    watcher.emit("join_thread", {"thread_id": watched}, callback=True)
    make.answer(bob, other)
    assert received(watcher, "thread_update") == []


def test_asker_is_notified_in_their_own_room(app, client, auth, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    auth.login("alice")
    asker = socketio.test_client(app, flask_test_client=client)
    make.answer(bob, thread_id)
    assert {"kind": "answered", "thread_id": thread_id} in received(asker, "notification")


def test_bad_room_requests_are_refused(app, client):
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.emit("join_thread", {"thread_id": "../staff"}, callback=True) == {"ok": False}
    assert watcher.emit("join_thread", "garbage", callback=True) == {"ok": False}


def test_sockets_from_another_site_are_refused(client):
    """Cross-site WebSocket hijacking: a foreign page must not open a socket with our cookies."""
    same = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://localhost"})
    foreign = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"})
    assert same.status_code == 200
    assert foreign.status_code == 400
