"""Socket.IO handlers: who may listen to which room, and replay after a reconnect.

Staff who open a thread page also join its staff-only room, where the
names of the staff viewing it are sent ("also viewing"), kept in memory per
process (with several server processes each process knows its own viewers).

Rooms are authorised here, once: a thread room only for a thread the user
may see (hidden, held and deleted threads are refused), the user room only
for its owner (joined on connect, never by request), the staff room only for
staff. A client sends the id of the last event it saw (`since`, in the
connect auth and in each join); the server replays what it missed from the
event log, as Discourse's MessageBus does, so a server restart, a network
drop or a closed laptop lid loses nothing. More than REPLAY_LIMIT missed
events answer `resync` instead: the page reloads.
"""
import threading

from flask import request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import select

from app import policy
from app.converters import MAX_DATABASE_ID
from app.events import Happened
from app.extensions import db, socketio
from app.models import Thread
from app.models.events import DomainEvent
from app.realtime.emitter import (NOTIFIED, PUBLIC_THREAD_KINDS, STAFF_QUEUE_KINDS, STAFF_ROOM, THREAD_LIST_ROOM,
                                  routes_for, send, thread_room, user_room)

REPLAY_LIMIT = 200
# "Also viewing": which staff have which thread open, per socket, in this process.
_viewers: dict[int, dict[str, str]] = {}
_viewers_lock = threading.Lock()


def staff_thread_room(thread_id: int) -> str:
    return f"staff-thread:{thread_id}"


def _announce_viewers(thread_id: int) -> None:
    with _viewers_lock:
        names = sorted(set(_viewers.get(thread_id, {}).values()))
    socketio.emit("viewers", {"thread_id": thread_id, "names": names}, to=staff_thread_room(thread_id))


def _start_viewing(thread_id: int) -> None:
    with _viewers_lock:
        _viewers.setdefault(thread_id, {})[request.sid] = current_user.username
    join_room(staff_thread_room(thread_id))
    _announce_viewers(thread_id)


@socketio.on("disconnect")
def on_disconnect(*_args):
    with _viewers_lock:
        left = [thread_id for thread_id, sids in _viewers.items() if sids.pop(request.sid, None)]
        for thread_id in left:
            if not _viewers[thread_id]:
                del _viewers[thread_id]
    for thread_id in left:
        _announce_viewers(thread_id)


def _event_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _since(data) -> int | None:
    return _event_id(data.get("since")) if isinstance(data, dict) else None


def may_see_thread(thread: Thread | None) -> bool:
    """The room rule: the thread exists and this user may read it (the same policy as its page)."""
    return thread is not None and bool(policy.can_see_thread(current_user, thread))


def replay(since: int | None, condition, rooms: set[str]) -> None:
    """Send this client the events after `since` matching `condition` that its `rooms` would have heard."""
    if since is None:
        return
    rows = db.session.scalars(select(DomainEvent).where(DomainEvent.id > since, condition)
                              .order_by(DomainEvent.id).limit(REPLAY_LIMIT + 1)).all()
    if len(rows) > REPLAY_LIMIT:
        socketio.emit("resync", {"since": since}, to=request.sid)
        return
    for row in rows:
        send([message for message in routes_for(Happened.of(row)) if message.room in rooms], to=request.sid)


@socketio.on("connect")
def on_connect(auth=None):
    if not current_user.is_authenticated or not policy.can_join_private_room(current_user):
        return
    rooms = {user_room(current_user.id)}
    join_room(user_room(current_user.id))
    if policy.can_use_staff_area(current_user):
        join_room(STAFF_ROOM)
        rooms.add(STAFF_ROOM)
        condition = (DomainEvent.kind.in_(STAFF_QUEUE_KINDS)) | (
            (DomainEvent.kind == NOTIFIED) & (DomainEvent.user_id == current_user.id))
    else:
        condition = (DomainEvent.kind == NOTIFIED) & (DomainEvent.user_id == current_user.id)
    replay(_since(auth), condition, rooms)


@socketio.on("join_thread")
def on_join_thread(data):
    thread_id = _event_id(data.get("thread_id")) if isinstance(data, dict) else None
    if not thread_id or thread_id > MAX_DATABASE_ID or not may_see_thread(db.session.get(Thread, thread_id)):
        return {"ok": False}
    join_room(thread_room(thread_id))
    if current_user.is_authenticated and policy.can_use_staff_area(current_user):
        _start_viewing(thread_id)
    replay(_since(data), (DomainEvent.thread_id == thread_id) & DomainEvent.kind.in_(PUBLIC_THREAD_KINDS),
           {thread_room(thread_id)})
    return {"ok": True}


@socketio.on("join_list")
def on_join_list(data=None):
    join_room(THREAD_LIST_ROOM)
    replay(_since(data), DomainEvent.kind.in_(PUBLIC_THREAD_KINDS), {THREAD_LIST_ROOM})
    return {"ok": True}
