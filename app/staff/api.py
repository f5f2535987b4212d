"""The staff JSON API, registered on the existing api blueprint under /api/v1/staff/…

Plus two member endpoints of the loop (resolution check, ask staff). Every
staff endpoint needs a bearer token of a staff account: 401 without one,
403 for a member.
"""
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _

from app import policy
from app.api import bp
from app.api.auth import token_required
from app.api.routes import json_body, text_field
from app.api.serializers import iso, page_json, thread_json
from app.services import posting, resolution_check, staff_notes, staff_queue, support_metrics_report
from app.services.errors import ValidationFailed


def staff_token_required(view):
    @wraps(view)
    @token_required
    def wrapper(*args, **kwargs):
        policy.can_use_staff_area(g.api_user).enforce()
        return view(*args, **kwargs)

    return wrapper


def queue_state(thread) -> dict:
    return {"id": thread.id, "assignee": thread.assignee.username if thread.assignee else None,
            "department_id": thread.department_id, "needs_staff": thread.needs_staff,
            "priority": thread.priority, "status": thread.status}


def queue_item_json(item: staff_queue.QueueItem) -> dict:
    data = thread_json(item.thread, with_body=False)
    data.update({
        "assignee": item.thread.assignee.username if item.thread.assignee else None,
        "department": item.department.slug if item.department else None,
        "priority": item.thread.priority, "escalated_at": iso(item.thread.escalated_at),
        "overdue_since": iso(item.overdue_since), "staff_due_at": iso(item.staff_due_at),
        "staff_response_minutes": item.thread.category.staff_response_minutes,
        "breach_minutes": item.breach_minutes, "due_in_minutes": item.due_in_minutes, "swept": item.swept,
    })
    return data


@bp.route("/staff/queue")
@staff_token_required
def staff_queue_list():
    args = request.args
    flt = staff_queue.validate_filter(args.get("view"), args.get("category"), args.get("department"),
                                      args.get("page"), args.get("per_page"))
    page = staff_queue.list_queue(flt, g.api_user)
    return jsonify(page_json(page, [queue_item_json(item) for item in page.items]))


@bp.route("/staff/metrics")
@staff_token_required
def staff_metrics():
    args = request.args
    period = support_metrics_report.parse_period(args.get("from"), args.get("to"), args.get("category"))
    return jsonify(support_metrics_report.build_report(period).as_json())


@bp.route("/staff/threads/<int:thread_id>/claim", methods=["POST"])
@staff_token_required
def staff_claim(thread_id):
    return jsonify(queue_state(staff_queue.claim(g.api_user, thread_id)))


@bp.route("/staff/threads/<int:thread_id>/unclaim", methods=["POST"])
@staff_token_required
def staff_unclaim(thread_id):
    return jsonify(queue_state(staff_queue.unclaim(g.api_user, thread_id)))


@bp.route("/staff/threads/<int:thread_id>/assign", methods=["POST"])
@staff_token_required
def staff_assign(thread_id):
    data = json_body()
    return jsonify(queue_state(staff_queue.assign(g.api_user, thread_id, text_field(data, "assignee"))))


@bp.route("/staff/threads/<int:thread_id>/department", methods=["POST"])
@staff_token_required
def staff_to_department(thread_id):
    data = json_body()
    thread = staff_queue.escalate_to_department(g.api_user, thread_id, text_field(data, "department"),
                                                text_field(data, "note"))
    return jsonify(queue_state(thread))


@bp.route("/staff/threads/<int:thread_id>/department/return", methods=["POST"])
@staff_token_required
def staff_from_department(thread_id):
    data = json_body()
    return jsonify(queue_state(staff_queue.return_from_department(g.api_user, thread_id, text_field(data, "note"))))


def note_json(note) -> dict:
    return {"id": note.id, "author": note.author.username, "body_html": note.body_html,
            "created_at": iso(note.created_at)}


@bp.route("/staff/threads/<int:thread_id>/notes")
@staff_token_required
def staff_thread_notes(thread_id):
    return jsonify({"items": [note_json(note) for note in staff_notes.thread_notes(thread_id)]})


@bp.route("/staff/threads/<int:thread_id>/notes", methods=["POST"])
@staff_token_required
def staff_add_thread_note(thread_id):
    note = staff_notes.add_thread_note(g.api_user, thread_id, text_field(json_body(), "body"))
    return jsonify(note_json(note)), 201


@bp.route("/threads/<int:thread_id>/resolution-check", methods=["POST"])
@token_required
def resolution_check_answer(thread_id):
    data = json_body()
    thread = posting.visible_thread(thread_id)
    solved = data.get("solved")
    if not isinstance(solved, bool):
        raise ValidationFailed(_("Please correct the marked fields."), {"solved": _("Send true or false.")})
    if solved:
        answer_id = data.get("answer_id")
        if answer_id is not None and (not isinstance(answer_id, int) or isinstance(answer_id, bool)):
            raise ValidationFailed(_("Please correct the marked fields."), {"answer_id": _("Send an answer id.")})
        thread = resolution_check.confirm_solved(g.api_user, thread, answer_id)
    else:
        thread = resolution_check.report_not_solved(g.api_user, thread, text_field(data, "comment"))
    return jsonify(thread_json(thread))


@bp.route("/threads/<int:thread_id>/ask-staff", methods=["POST"])
@token_required
def ask_staff(thread_id):
    outcome = resolution_check.ask_staff(g.api_user, posting.visible_thread(thread_id))
    return jsonify({"outcome": outcome}), 202 if outcome == "requested" else 200
