"""Notifications and mail: who is told what, in the app, live and by e-mail.

`service` decides recipients, `dispatcher` turns committed events into
notification and outbox rows, `mail` renders and queues, `delivery` sends,
`routes` are the member pages (the list, preferences, follow, unsubscribe,
the resolution check and its e-mail links) plus the admin page of recent mail.
"""
from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")

from app.notifications import account_routes, api, cli, routes  # noqa: E402,F401


@bp.app_template_global()
def unread_notifications() -> int:
    """The bell's count: one indexed COUNT, only on pages of signed-in users."""
    from flask_login import current_user

    from app.notifications.service import unread_count

    return unread_count(current_user.id) if current_user.is_authenticated else 0


@bp.app_template_global()
def is_following(thread_id: int) -> bool:
    from flask_login import current_user

    from app.notifications.service import is_following as following

    return current_user.is_authenticated and following(current_user.id, thread_id)
