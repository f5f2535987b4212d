"""The staff area (mounted at /staff).

Besides its own pages, this package registers: the staff JSON API on the
existing api blueprint (app.staff.api), the announcement banner's context
processor and the `staff_panel` template global used by
templates/staff/_thread_panel.html. The member side of closing the loop
(resolution check, "Ask staff") lives in app/notifications.
"""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from app.staff import api, context, routes  # noqa: E402,F401
