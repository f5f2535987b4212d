"""Counting the days a member visits (the Regular badge), once per day and session.

Recorded at login and on the first request of each day; the day is kept in
the session, so every later request that day costs nothing.
"""
from flask import session
from flask_login import current_user, user_logged_in

from app import clock
from app.people import bp
from app.services import badges

_SESSION_KEY = "visit_day"


def _note_visit(user_id: int) -> None:
    today = clock.now().date().isoformat()
    if session.get(_SESSION_KEY) != today:
        badges.record_visit(user_id)
        session[_SESSION_KEY] = today


@bp.before_app_request
def _count_visit() -> None:
    if current_user.is_authenticated and session.get(_SESSION_KEY) != clock.now().date().isoformat():
        _note_visit(current_user.id)


@user_logged_in.connect
def _on_login(_app, user, **_extra) -> None:
    _note_visit(user.id)
