"""JSON API v1: the same services as the pages, parsed from JSON instead of forms."""
from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.auth import optional_user, token_required
from app.api.serializers import answer_json, category_json, page_json, thread_json, user_json
from app.models import Visibility
from app.request_limits import posting_limits, write_limited
from app.services import browsing, posting, resolution, voting
from app.services.errors import ValidationFailed


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what was expected."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Send a JSON object with Content-Type: application/json."))
    return data


def text_field(data: dict, name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValidationFailed(_("Please correct the marked fields."), {name: _("Must be a string.")})
    return value


@bp.route("/categories")
def categories():
    return jsonify({"items": [category_json(category) for category in browsing.categories()]})


@bp.route("/threads")
def list_threads():
    args = request.args
    flt = browsing.validate_filter(args.get("category"), args.get("tag"), args.get("status"), args.get("sort"),
                                   args.get("page"), args.get("per_page"),
                                   default_per_page=current_app.config["THREADS_PER_PAGE"],
                                   max_per_page=current_app.config["API_MAX_PER_PAGE"])
    page = browsing.list_threads(flt)
    return jsonify(page_json(page, [thread_json(thread, with_body=False) for thread in page.items]))


@bp.route("/threads", methods=["POST"])
@token_required
@write_limited
def create_thread():
    data = json_body()
    tags = data.get("tags", [])
    if not isinstance(tags, (list, str)):
        raise ValidationFailed(_("Please correct the marked fields."), {"tags": _("Send a list of tag names.")})
    draft = posting.QuestionDraft(text_field(data, "title"), text_field(data, "body"),
                                  text_field(data, "category"), tags)
    thread = posting.ask(g.api_user, draft, posting_limits())
    return jsonify(thread_json(thread)), 202 if thread.visibility == Visibility.PENDING.value else 201


@bp.route("/threads/<int:thread_id>")
def get_thread(thread_id):
    view = browsing.read_thread(thread_id, optional_user())
    data = thread_json(view.thread)
    data["answers"] = [answer_json(answer, view.thread.accepted_answer_id) for answer in view.answers]
    return jsonify(data)


@bp.route("/threads/<int:thread_id>/answers", methods=["POST"])
@token_required
@write_limited
def create_answer(thread_id):
    thread = posting.visible_thread(thread_id)
    data = json_body()
    post = posting.answer(g.api_user, thread, text_field(data, "body"), posting_limits())
    held = post.visibility == Visibility.PENDING.value
    return jsonify(answer_json(post, thread.accepted_answer_id)), 202 if held else 201


def vote_value(data: dict):
    value = data.get("value")
    if isinstance(value, bool) or value not in (-1, 0, 1):
        raise ValidationFailed(_("A vote is 1, -1 or 0 (to withdraw it)."), {"value": _("Use 1, -1 or 0.")})
    return value


@bp.route("/threads/<int:thread_id>/vote", methods=["POST"])
@token_required
@write_limited
def vote_thread(thread_id):
    thread = posting.visible_thread(thread_id)
    score = voting.vote_thread(g.api_user, thread, vote_value(json_body()))
    return jsonify({"score": score})


@bp.route("/answers/<int:answer_id>/vote", methods=["POST"])
@token_required
@write_limited
def vote_answer(answer_id):
    post = posting.visible_answer(answer_id)
    score = voting.vote_answer(g.api_user, post, vote_value(json_body()))
    return jsonify({"score": score})


@bp.route("/threads/<int:thread_id>/accept", methods=["POST"])
@token_required
@write_limited
def accept(thread_id):
    thread = posting.visible_thread(thread_id)
    answer_id = json_body().get("answer_id")
    if isinstance(answer_id, bool) or not isinstance(answer_id, int):
        raise ValidationFailed(_("Please correct the marked fields."), {"answer_id": _("Send the answer's id.")})
    resolution.accept(g.api_user, thread, answer_id)
    return jsonify(thread_json(thread))


@bp.route("/threads/<int:thread_id>/accept", methods=["DELETE"])
@token_required
@write_limited
def unaccept(thread_id):
    thread = posting.visible_thread(thread_id)
    resolution.unaccept(g.api_user, thread)
    return jsonify(thread_json(thread))


@bp.route("/me")
@token_required
def me():
    return jsonify(user_json(g.api_user, private=True))


@bp.route("/users/<username>")
def user(username):
    from app.people.api import user_reputation_json

    member = browsing.user_by_name(username)
    return jsonify({**user_json(member), **user_reputation_json(member)})
