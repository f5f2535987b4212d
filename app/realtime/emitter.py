"""The one place that sends live updates: an event-log subscriber.

Services never call it; they announce events (app/events) and this
subscriber turns each committed event into socket messages. The same
`routes_for` decides what a live event sends and what a reconnecting
client is replayed, so the two cannot disagree.

Payloads carry the event id, its kind and ids, never post content: a client
refetches what it may see through the normal pages and API, so permissions
are enforced in one place and nothing internal leaks through a socket.
Staff-only kinds (hand-overs, notes) go to the staff room only, and a kind
this module does not know goes nowhere.

Where messages travel: without SOCKETIO_MESSAGE_QUEUE each server process
emits every event to its own clients, its own at commit and other
processes' through the relay. With the queue, the writing process (a
server or `flask sla sweep`) publishes through Redis to every server, so
relayed events are not emitted a second time.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app

from app.events import Happened
from app.events.relay import is_foreign
from app.extensions import socketio

THREAD_LIST_ROOM = "threads"
STAFF_ROOM = "staff"

#: Changes anyone who may see the thread may hear about (page and list notices).
PUBLIC_THREAD_KINDS = frozenset({
    "asked", "answered", "edited", "voted", "answer_accepted", "answer_unaccepted", "reopened",
    "escalated", "auto_resolved", "closed", "post_hidden", "post_deleted", "post_restored",
})
#: Changes the staff queue shows (the public ones that move a thread in or out, plus internal hand-overs).
STAFF_QUEUE_KINDS = frozenset({
    "asked", "answered", "escalated", "reopened", "answer_accepted", "auto_resolved", "closed",
    "claimed", "unclaimed", "assigned", "department_escalated", "department_returned", "note_added",
})
#: A notification row was written for `user_id`: their bell and open pages hear of it.
NOTIFIED = "notified"


def thread_room(thread_id: int) -> str:
    return f"thread:{thread_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class Message:
    name: str
    payload: dict
    room: str


def routes_for(happened: Happened) -> list[Message]:
    """The socket messages one event sends, each to one room."""
    messages = []
    if happened.kind == NOTIFIED and happened.user_id:
        messages.append(Message("notification", {"id": happened.id, "kind": happened.payload.get("notification"),
                                                 "thread_id": happened.thread_id}, user_room(happened.user_id)))
        return messages
    if happened.thread_id is None:
        return messages
    payload = {"id": happened.id, "thread_id": happened.thread_id, "kind": happened.kind}
    if happened.kind in PUBLIC_THREAD_KINDS:
        messages.append(Message("thread_update", payload, thread_room(happened.thread_id)))
        messages.append(Message("thread_list_update", payload, THREAD_LIST_ROOM))
    if happened.kind in STAFF_QUEUE_KINDS:
        messages.append(Message("queue_update", payload, STAFF_ROOM))
    return messages


def send(messages: Iterable[Message], to: str | None = None) -> None:
    """Emit `messages` to their rooms, or all of them to one client (`to`, a replay)."""
    for message in messages:
        socketio.emit(message.name, message.payload, to=to or message.room)


def on_event(happened: Happened) -> None:
    """Subscriber: every committed event, own or relayed, becomes socket messages once."""
    if is_foreign(happened) and current_app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        return
    send(routes_for(happened))
