"""The staff area (mounted at /staff) plus the member side of closing the loop.

Besides its own pages, this package registers: the staff JSON API on the
existing api blueprint (app.staff.api), the `notifications` blueprint for
members (/notifications, resolution check, "Ask staff"), the announcement
banner's context processor and the `staff_panel` template global used by
templates/staff/_thread_panel.html.
"""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from app.staff import api, context, routes  # noqa: E402,F401
from app.staff.notifications_bp import notifications_bp  # noqa: E402

bp.record_once(lambda state: state.app.register_blueprint(notifications_bp))
