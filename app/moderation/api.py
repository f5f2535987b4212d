"""The moderation JSON API on the api blueprint: flags, the review queue, sanctions, the audit log.

The same services as the pages; every refusal is the policy's 403 with its reason.
"""
from flask import g, jsonify, request
from flask_babel import gettext as _

from app import policy
from app.api import bp
from app.api.auth import token_required
from app.api.routes import json_body, text_field
from app.api.serializers import iso, page_json
from app.request_limits import write_limited
from app.services import audit, browsing, moderation, posting, sanctions
from app.services.errors import ValidationFailed


def _flag_json(flag) -> dict:
    return {"id": flag.id, "reason": flag.reason, "text": flag.text, "weight": flag.weight,
            "user": flag.user.username, "created_at": iso(flag.created_at), "upheld": flag.upheld}


def _post_json(entry: moderation.QueueEntry) -> dict | None:
    post = entry.post
    if post is None:
        return None
    data = {"type": "answer" if entry.answer else "thread", "id": post.id, "thread_id": entry.item.thread_id,
            "author": post.author.username, "body_html": post.body_html, "visibility": post.visibility,
            "hidden_reason": post.hidden_reason, "created_at": iso(post.created_at)}
    if entry.answer is None:
        data["title"] = post.title
    return data


def queue_entry_json(entry: moderation.QueueEntry) -> dict:
    return {"id": entry.item.id, "kind": entry.item.kind, "note": entry.item.note,
            "flag_weight": entry.item.flag_weight, "created_at": iso(entry.item.created_at),
            "post": _post_json(entry), "flags": [_flag_json(flag) for flag in entry.flags],
            "actions": entry.actions}


def _flag_request() -> moderation.FlagRequest:
    data = json_body()
    return moderation.FlagRequest(reason=text_field(data, "reason"), text=text_field(data, "text"))


@bp.route("/threads/<int:thread_id>/flag", methods=["POST"])
@token_required
@write_limited
def flag_thread(thread_id):
    flag = moderation.flag(g.api_user, posting.thread_for(g.api_user, thread_id), _flag_request())
    return jsonify(_flag_json(flag)), 201


@bp.route("/answers/<int:answer_id>/flag", methods=["POST"])
@token_required
@write_limited
def flag_answer(answer_id):
    flag = moderation.flag(g.api_user, posting.answer_for(g.api_user, answer_id), _flag_request())
    return jsonify(_flag_json(flag)), 201


def _moderator():
    policy.can_moderate(g.api_user).enforce()
    return g.api_user


@bp.route("/mod/queue")
@token_required
def mod_queue():
    page = moderation.queue(_moderator(), request.args.get("page"))
    return jsonify(page_json(page, [queue_entry_json(entry) for entry in page.items]))


@bp.route("/mod/queue/<int:item_id>", methods=["POST"])
@token_required
@write_limited
def mod_queue_act(item_id):
    data = json_body()
    item = moderation.act(_moderator(), item_id, text_field(data, "action"), text_field(data, "reason"))
    return jsonify({"id": item.id, "status": item.status, "resolution": item.resolution})


def _sanction_json(row) -> dict:
    return {"id": row.id, "kind": row.kind, "reason": row.reason, "created_at": iso(row.created_at),
            "ends_at": iso(row.ends_at), "lifted_at": iso(row.lifted_at), "vote_fraud": row.vote_fraud}


@bp.route("/mod/users/<username>/sanctions", methods=["POST"])
@token_required
@write_limited
def mod_sanction(username):
    actor = _moderator()
    data = json_body()
    days = data.get("days")
    vote_fraud = data.get("vote_fraud", False)
    if not isinstance(vote_fraud, bool):
        raise ValidationFailed(_("Please correct the marked fields."), {"vote_fraud": _("Use true or false.")})
    row = sanctions.sanction(actor, browsing.user_by_name(username), sanctions.SanctionRequest(
        kind=text_field(data, "kind"), reason=text_field(data, "reason"), days=days, vote_fraud=vote_fraud))
    return jsonify(_sanction_json(row)), 201


@bp.route("/mod/users/<username>/sanctions", methods=["DELETE"])
@token_required
@write_limited
def mod_lift(username):
    actor = _moderator()
    data = request.get_json(silent=True) if request.data else {}
    reason = data.get("reason", "") if isinstance(data, dict) else ""
    sanctions.lift(actor, browsing.user_by_name(username), reason if isinstance(reason, str) else "")
    return "", 204


def audit_entry_json(entry) -> dict:
    return {"id": entry.id, "action": entry.action, "moderator": entry.actor.username if entry.actor else None,
            "user": entry.target_user.username if entry.target_user else None, "thread_id": entry.thread_id,
            "answer_id": entry.answer_id, "reason": entry.reason, "before": entry.before, "after": entry.after,
            "created_at": iso(entry.created_at)}


@bp.route("/mod/audit")
@token_required
def mod_audit():
    args = request.args
    flt = audit.validate_filter(args.get("moderator"), args.get("user"), args.get("action"), args.get("page"))
    page = audit.entries(_moderator(), flt)
    return jsonify(page_json(page, [audit_entry_json(entry) for entry in page.items]))
