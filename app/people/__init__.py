"""Reputation, badges, profiles and leaderboards (mounted at /: /badges, /leaderboard, /users/…).

Importing this package registers the in-transaction reactions of the
reputation ledger and of badge awarding (app.services.reputation_ledger,
app.services.badges) and, on the api blueprint, the people JSON API.
`badge_awarded` and `answer_accepted` become notifications in
app.notifications (the templates name a badge through `badges_by_slug`).
"""
from flask import Blueprint

bp = Blueprint("people", __name__)

from app.people import api, routes, visits  # noqa: E402,F401
from app.services import badges, reputation_ledger  # noqa: E402,F401

from app.domain.badges import BY_SLUG, ICONS  # noqa: E402
from app.domain.reputation import points_table  # noqa: E402


@bp.record_once
def _setup(state) -> None:
    """Badge icons for templates; a wrong REPUTATION_POINTS stops the start, not a vote later."""
    points_table(state.app.config.get("REPUTATION_POINTS"))
    state.app.jinja_env.globals.update(badge_icons=ICONS, badges_by_slug=BY_SLUG)
