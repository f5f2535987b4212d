"""The people JSON API, registered on the existing api blueprint: badges, the ledger, leaderboards.

`GET /api/v1/users/<username>` itself stays in app.api; its reputation,
badges and community saves come from `user_reputation_json` here.
"""
from flask import jsonify, request, url_for

from app.api import bp
from app.domain.badges import BADGES, Badge
from app.services import browsing, people


def iso(moment):
    return moment.isoformat() if moment else None


def badge_json(badge: Badge, holders: int | None = None) -> dict:
    data = {"slug": badge.slug, "name": str(badge.name), "tier": str(badge.tier),
            "description": str(badge.description), "repeatable": badge.repeatable,
            "measure": str(badge.measure), "threshold": badge.threshold}
    if holders is not None:
        data["holders"] = holders
    return data


def post_json(thread_id: int | None, answer_id: int | None) -> dict | None:
    if thread_id is None:
        return None
    anchor = f"answer-{answer_id}" if answer_id else None
    return {"thread_id": thread_id, "answer_id": answer_id,
            "url": url_for("forum.thread", thread_id=thread_id, _anchor=anchor, _external=True)}


def user_reputation_json(user) -> dict:
    """What a user's public record says about their help: figure, badges, community saves."""
    return {
        "reputation": user.reputation,
        "badge_counts": people.tier_counts(user),
        "community_saves": people.community_saves(user.id),
        "badges": [{"slug": award.badge.slug, "name": str(award.badge.name), "tier": str(award.badge.tier),
                    "awarded_at": iso(award.awarded_at), "post": post_json(award.thread_id, award.answer_id)}
                   for award in people.awards_of(user.id)],
    }


@bp.route("/badges")
def badge_list():
    counts = people.holder_counts()
    return jsonify({"items": [badge_json(badge, counts.get(badge.slug, 0)) for badge in BADGES]})


@bp.route("/users/<username>/reputation")
def reputation_ledger(username):
    user = browsing.user_by_name(username)
    page_number, per_page = people.paging(request.args.get("page"), request.args.get("per_page"))
    page = people.ledger_page(user, page_number, per_page)
    return jsonify({"username": user.username, "reputation": user.reputation,
                    "items": [{"delta": entry.delta, "reason": entry.reason, "created_at": iso(entry.created_at),
                               "post": post_json(entry.thread_id, entry.answer_id), "reversal": entry.reversal,
                               "cause": entry.cause} for entry in page.items],
                    "page": page.page, "per_page": page.per_page, "pages": page.pages, "total": page.total})


@bp.route("/leaderboard")
def leaderboard():
    args = request.args
    query = people.validate_leaderboard(args.get("period"), args.get("category"), args.get("page"),
                                        args.get("per_page"))
    page = people.leaderboard(query)
    return jsonify({"period": query.period, "category": query.category,
                    "items": [{"rank": leader.rank, "username": leader.user.username, "points": leader.points,
                               "reputation": leader.user.reputation, "badge_counts": people.tier_counts(leader.user)}
                              for leader in page.items],
                    "page": page.page, "per_page": page.per_page, "pages": page.pages, "total": page.total})
