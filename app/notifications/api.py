"""Notifications in the JSON API: the list with the unread count, and marking read.

Registered on the existing api blueprint (/api/v1), bearer token required.
"""
from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.auth import token_required
from app.api.serializers import iso, page_json
from app.notifications import service
from app.services.browsing import paging_problems
from app.services.errors import ValidationFailed


def notification_json(row) -> dict:
    return {"id": row.id, "kind": row.kind, "thread_id": row.thread_id,
            "thread_title": row.thread.title if row.thread is not None else None,
            "created_at": iso(row.created_at), "read": row.read_at is not None}


@bp.route("/notifications")
@token_required
def list_notifications():
    numbers, errors = paging_problems(request.args.get("page"), request.args.get("per_page"), default_per_page=20)
    if numbers.get("per_page", 0) > current_app.config["API_MAX_PER_PAGE"]:
        errors["per_page"] = _("At most %(n)d.", n=current_app.config["API_MAX_PER_PAGE"])
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    page = service.for_user(g.api_user.id, numbers["page"], numbers["per_page"])
    return jsonify({**page_json(page, [notification_json(row) for row in page.items]),
                    "unread": service.unread_count(g.api_user.id)})


@bp.route("/notifications/read", methods=["POST"])
@token_required
def read_notifications():
    """`{"ids": [1, 2]}` marks those read; `{}` or `{"all": true}` marks every one read."""
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    ids = data.get("ids")
    if ids is not None and (not isinstance(ids, list) or len(ids) > 500 or not all(
            isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 for value in ids)):
        raise ValidationFailed(_("Send ids as a list of notification ids."), {"ids": _("A list of ids.")})
    marked = service.mark_read(g.api_user.id, ids)
    return jsonify({"marked": marked, "unread": service.unread_count(g.api_user.id)})
