"""The one place that sends live updates.

Payloads carry ids and an event kind, never post content: a client refetches
what it may see through the normal pages and API, so permissions are
enforced in one place and nothing internal leaks through a socket.
"""
from app.extensions import socketio

THREAD_LIST_ROOM = "threads"
STAFF_ROOM = "staff"


def thread_room(thread_id: int) -> str:
    return f"thread:{thread_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def thread_changed(thread_id: int, kind: str) -> None:
    payload = {"thread_id": thread_id, "kind": kind}
    socketio.emit("thread_update", payload, to=thread_room(thread_id))
    socketio.emit("thread_list_update", payload, to=THREAD_LIST_ROOM)


def staff_queue_changed(thread_id: int, kind: str) -> None:
    socketio.emit("queue_update", {"thread_id": thread_id, "kind": kind}, to=STAFF_ROOM)


def user_notified(user_id: int, kind: str, thread_id: int | None = None) -> None:
    socketio.emit("notification", {"kind": kind, "thread_id": thread_id}, to=user_room(user_id))
