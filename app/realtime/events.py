"""Socket.IO handlers: who may listen to which room.

Anyone may follow public thread and list updates; a signed-in user also
gets their own notification room; only staff join the staff room.
"""
from flask_login import current_user
from flask_socketio import join_room

from app.extensions import socketio
from app.realtime.emitter import STAFF_ROOM, THREAD_LIST_ROOM, thread_room, user_room


@socketio.on("connect")
def on_connect(auth=None):
    if current_user.is_authenticated:
        join_room(user_room(current_user.id))
        if current_user.is_staff:
            join_room(STAFF_ROOM)


@socketio.on("join_thread")
def on_join_thread(data):
    thread_id = (data or {}).get("thread_id") if isinstance(data, dict) else None
    if isinstance(thread_id, int) or (isinstance(thread_id, str) and thread_id.isdigit()):
        join_room(thread_room(int(thread_id)))
        return {"ok": True}
    return {"ok": False}


@socketio.on("join_list")
def on_join_list(_data=None):
    join_room(THREAD_LIST_ROOM)
    return {"ok": True}
