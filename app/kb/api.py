"""The search JSON API, registered on the existing api blueprint under /api/v1/search….

Reads are public, like the thread list. The deflection endpoint is called by
kb.js from the ask page with the member's session cookie, so it checks the
CSRF token itself (the api blueprint is exempt because bearer tokens need
none); API clients may use a bearer token instead.
"""
from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import input_guard
from app.api import bp
from app.api.auth import Unauthorised, optional_user
from app.api.routes import json_body
from app.extensions import limiter
from app.kb.visitor import check_csrf
from app.search import SearchHit
from app.services import knowledge_base
from app.services import search as search_service


STATUS_LABELS = {"unanswered": _l("Unanswered"), "answered": _l("Answered"), "resolved": _l("Resolved"),
                 "closed": _l("Closed")}


def hit_json(hit: SearchHit) -> dict:
    return {
        "thread_id": hit.thread_id,
        "title": hit.title,
        # Escaped text with <mark> only (the engine escapes every fragment).
        "snippet_html": hit.snippet_html,
        "status": hit.status,
        "score": hit.score,
        "category": hit.category,
        "tags": hit.tags,
        "created_at": hit.created_at.isoformat(),
        "accepted_answer_excerpt": hit.accepted_answer_excerpt,
        "url": url_for("forum.thread", thread_id=hit.thread_id, _external=True),
    }


@bp.route("/search")
@input_guard.cleans_its_own("q")
def search():
    query = search_service.parse_query(request.args)
    page = search_service.search(query)
    return jsonify({"items": [hit_json(hit) for hit in page.items], "total": page.total, "page": page.page,
                    "pages": page.pages, "per_page": query.per_page, "total_is_exact": page.total_is_exact,
                    "suggestion": page.suggestion})


@bp.route("/search/similar")
@input_guard.cleans_its_own("title")
def similar():
    """Up to 5 threads like a title being typed, resolved first; with display strings for kb.js."""
    hits = search_service.similar(request.args.get("title", ""))
    return jsonify({
        "heading": _("Similar questions: one of these may already answer yours"),
        "accepted_label": _("Accepted solution:"),
        "items": [{
            "thread_id": hit.thread_id, "title": hit.title, "status": hit.status,
            "status_label": str(STATUS_LABELS.get(hit.status, hit.status)), "score": hit.score,
            "accepted_answer_excerpt": hit.accepted_answer_excerpt,
            "url": url_for("forum.thread", thread_id=hit.thread_id, _external=True),
        } for hit in hits],
    })


def _deflection_user():
    user = optional_user()
    if user is not None:
        return user
    if current_user.is_authenticated:
        check_csrf()  # a cookie-authenticated POST: the X-CSRFToken header must match
        return current_user
    raise Unauthorised(_("Please log in."))


@bp.route("/search/deflection", methods=["POST"])
@limiter.limit("60 per minute")
def deflection():
    user = _deflection_user()
    data = json_body()
    event = knowledge_base.record_deflection(user, data.get("outcome"), data.get("session_key"),
                                             data.get("suggested_thread_id"))
    return jsonify({"id": event.id, "outcome": event.outcome}), 201
