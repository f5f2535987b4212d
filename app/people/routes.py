"""Pages: the badge catalogue, leaderboards and a member's full reputation history."""
from flask import render_template, request

from app.domain import reputation
from app.people import bp
from app.services import browsing, people, reputation_ledger


@bp.route("/badges")
def badges():
    return render_template("people/badges.html", entries=people.catalogue(),
                           points=reputation_ledger.points_table(), reasons=reputation.Reason)


@bp.route("/leaderboard")
def leaderboard():
    args = request.args
    query = people.validate_leaderboard(args.get("period"), args.get("category"), args.get("page"), max_per_page=20)
    return render_template("people/leaderboard.html", query=query, page=people.leaderboard(query),
                           categories=browsing.categories(), periods=people.PERIODS)


@bp.route("/users/<username>/reputation")
def reputation_history(username):
    user = browsing.user_by_name(username)
    page_number, per_page = people.paging(request.args.get("page"), max_per_page=50)
    return render_template("people/reputation.html", user=user, page=people.ledger_page(user, page_number, per_page))
