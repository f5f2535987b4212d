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
from app.request_limits import posting_limits
from app.services import audit, browsing, moderation, posting, sanctions, trust, user_reports
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


def _report_json(report) -> dict:
    return {"id": report.id, "reason": report.reason, "text": report.text, "reporter": report.reporter.username,
            "created_at": iso(report.created_at), "upheld": report.upheld}


def _subject_json(entry: moderation.QueueEntry) -> dict | None:
    member = entry.subject
    if member is None:
        return None
    return {"username": member.username, "role": member.role, "trust_level": member.trust_level,
            "reputation": member.reputation, "member_since": iso(member.created_at),
            "banned": member.banned_at is not None, "suspended_until": iso(member.suspended_until),
            "silenced_until": iso(member.silenced_until)}


def queue_entry_json(entry: moderation.QueueEntry) -> dict:
    """A flagged or held post (`post`, `flags`), or reports on a member (`user`, `reports`)."""
    return {"id": entry.item.id, "kind": entry.item.kind, "note": entry.item.note,
            "flag_weight": entry.item.flag_weight, "created_at": iso(entry.item.created_at),
            "post": _post_json(entry), "flags": [_flag_json(flag) for flag in entry.flags],
            "user": _subject_json(entry), "reports": [_report_json(report) for report in entry.reports],
            "actions": entry.actions, "thread_actions": entry.thread_actions}


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


def _optional_int(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValidationFailed(_("Please correct the marked fields."), {name: _("Use a whole number.")})
    return value


@bp.route("/mod/queue/<int:item_id>", methods=["POST"])
@token_required
@write_limited
def mod_queue_act(item_id):
    """approve/hide/delete/restore; edit (`title`, `body`); a thread action (lock, unlock, close, duplicate
    with `duplicate_of`, reopen, pin, unpin, move with `category`); on user reports dismiss/warn/silence/
    suspend/ban (`days`)."""
    actor = _moderator()
    data = json_body()
    action, reason = text_field(data, "action"), text_field(data, "reason")
    if action == "edit":
        title = text_field(data, "title") if "title" in data else None
        moderation.edit_post(actor, item_id, title, text_field(data, "body"), posting_limits())
        item = moderation.open_item(item_id)
    elif action in moderation.THREAD_ACTIONS:
        moderation.thread_action(actor, moderation.thread_of_item(item_id), action, reason,
                                 text_field(data, "category") or None, _optional_int(data, "duplicate_of"))
        item = moderation.open_item(item_id)
    else:
        item = moderation.act(actor, item_id, action, reason, _optional_int(data, "days"))
    return jsonify({"id": item.id, "status": item.status, "resolution": item.resolution})


# --- reports on members and their trust level ------------------------------------------------------

@bp.route("/users/<username>/report", methods=["POST"])
@token_required
@write_limited
def report_user(username):
    data = json_body()
    row = user_reports.report(g.api_user, browsing.user_by_name(username), user_reports.ReportRequest(
        reason=text_field(data, "reason"), text=text_field(data, "text")))
    return jsonify({"id": row.id, "user": username, "reason": row.reason, "text": row.text,
                    "created_at": iso(row.created_at)}), 201


def _trust_json(member) -> dict:
    return {"username": member.username, "trust_level": member.trust_level, "locked": member.trust_level_locked}


@bp.route("/users/<username>/trust-level", methods=["PUT"])
@token_required
@write_limited
def trust_level_lock(username):
    """`{"level": 0–3}`: staff lock a member's trust level (audited)."""
    policy.can_lock_trust_level(g.api_user).enforce()
    level = json_body().get("level")
    if isinstance(level, bool) or not isinstance(level, int):
        raise ValidationFailed(_("Please correct the marked fields."), {"level": _("Use a level from 0 to 3.")})
    return jsonify(_trust_json(trust.lock_level(g.api_user, browsing.user_by_name(username), level)))


@bp.route("/users/<username>/trust-level", methods=["DELETE"])
@token_required
@write_limited
def trust_level_unlock(username):
    """Unlock: the level is computed from activity again (audited)."""
    policy.can_lock_trust_level(g.api_user).enforce()
    return jsonify(_trust_json(trust.lock_level(g.api_user, browsing.user_by_name(username), None)))


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
