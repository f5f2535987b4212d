"""Badges, declared once as data: tier, name, description, icon and criterion.

A criterion names a *measure* (how far a user or one of their posts has
come, computed from history by app.services.badges) and the threshold that
earns the badge. The same measure answers both live awarding (scoped to the
users an event touched) and `flask badges backfill` (over everyone), so the
two cannot disagree. `triggers` lists the event kinds that can move the
measure: awarding runs on those and nothing else.

Names and descriptions are lazy strings, translated where they are shown.
"""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Tier(StrEnum):
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


TIER_ORDER = (Tier.GOLD, Tier.SILVER, Tier.BRONZE)


class Measure(StrEnum):
    """What a criterion counts; app.services.badges turns each into one query over history."""

    QUESTION_SCORE = "question_score"          # per question: highest score it ever reached
    ANSWER_SCORE = "answer_score"              # per answer: highest score it ever reached
    ANSWERS_POSTED = "answers_posted"          # per user
    ACCEPTED_ANSWERS = "accepted_answers"      # per user: most accepted answers held at once
    COMMUNITY_SAVES = "community_saves"        # per user
    UPVOTES_CAST = "upvotes_cast"              # per user
    EDITS = "edits"                            # per user
    UPHELD_FLAGS = "upheld_flags"              # per user
    QUICK_ACCEPTED_FIRST_ANSWERS = "quick_draw"  # per user: accepted first answers given within 15 minutes
    QUICK_ACCEPTS = "quick_accepts"            # per user: answers accepted on own question within a day
    RESOLVED_QUESTION_VIEWS = "resolved_views"  # per question: views of a resolved question
    VISIT_DAYS = "visit_days"                  # per user: distinct days visited


#: The event kinds that can move each measure: awarding runs on these and nothing else.
TRIGGERS: dict[Measure, frozenset[str]] = {
    Measure.QUESTION_SCORE: frozenset({"voted"}),
    Measure.ANSWER_SCORE: frozenset({"voted"}),
    Measure.ANSWERS_POSTED: frozenset({"answered"}),
    Measure.ACCEPTED_ANSWERS: frozenset({"answer_accepted"}),
    Measure.COMMUNITY_SAVES: frozenset({"answer_accepted"}),
    Measure.UPVOTES_CAST: frozenset({"voted"}),
    Measure.EDITS: frozenset({"edited"}),
    Measure.UPHELD_FLAGS: frozenset({"flag_resolved"}),
    Measure.QUICK_ACCEPTED_FIRST_ANSWERS: frozenset({"answer_accepted"}),
    Measure.QUICK_ACCEPTS: frozenset({"answer_accepted"}),
    Measure.RESOLVED_QUESTION_VIEWS: frozenset({"answer_accepted", "thread_views_reached"}),
    Measure.VISIT_DAYS: frozenset({"visited"}),
}

#: Measures counted per post: their badges are repeatable, once per qualifying post.
PER_POST = frozenset({Measure.QUESTION_SCORE, Measure.ANSWER_SCORE, Measure.RESOLVED_QUESTION_VIEWS})

QUICK_DRAW_MINUTES = 15
THANKFUL_HOURS = 24
#: Views are counted in steps of this size; reaching one announces `thread_views_reached`.
VIEW_MILESTONE = 1000


@dataclass(frozen=True)
class Badge:
    slug: str
    tier: Tier
    name: str
    description: str
    measure: Measure
    threshold: int
    icon: str
    #: Once per qualifying post (only for PER_POST measures) instead of once per user.
    repeatable: bool = False

    @property
    def per_post(self) -> bool:
        return self.measure in PER_POST


# Icons: path data for a 24×24 viewBox, drawn by the badge_icon macro as inline SVG.
ICONS = {
    "question": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 15.5a1.25 1.25 0 1 1 0-2.5 1.25 1.25 0 0 1 0 2.5zm1.3-5.2"
                "c-.7.4-.8.6-.8 1.2h-2.2c0-1.6.6-2.3 1.6-2.9.8-.5 1.2-.8 1.2-1.5 0-.7-.6-1.2-1.4-1.2-.9 0-1.5.6-1.5 "
                "1.5H8c0-2.1 1.6-3.4 3.8-3.4 2.1 0 3.6 1.2 3.6 3 0 1.4-.8 2.1-2.1 2.8z",
    "reply": "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
    "check": "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
    "heart": "M12 21.35 10.55 20C5.4 15.36 2 12.28 2 8.5 2 5.42 4.42 3 7.5 3c1.74 0 3.41.81 4.5 2.09A6 6 0 0 1 "
             "16.5 3C19.58 3 22 5.42 22 8.5c0 3.78-3.4 6.86-8.55 11.54z",
    "pencil": "M3 17.25V21h3.75L17.81 9.94l-3.75-3.75zM20.71 7.04a1 1 0 0 0 0-1.41l-2.34-2.34a1 1 0 0 0-1.41 "
              "0l-1.83 1.83 3.75 3.75z",
    "shield": "M12 1 3 5v6c0 5.55 3.84 10.74 9 12 5.16-1.26 9-6.45 9-12V5zm-2 16-4-4 1.41-1.41L10 14.17l6.59-6.59"
              "L18 9z",
    "bulb": "M9 21a1 1 0 0 0 1 1h4a1 1 0 0 0 1-1v-1H9zm3-19a7 7 0 0 0-4 12.74V17a1 1 0 0 0 1 1h6a1 1 0 0 0 1-1"
            "v-2.26A7 7 0 0 0 12 2z",
    "bolt": "M7 2v11h3v9l7-12h-4l4-8z",
    "thanks": "M1 21h4V9H1zm22-11a2 2 0 0 0-2-2h-6.31l.95-4.57.03-.32a1.5 1.5 0 0 0-.44-1.06L14.17 1 7.59 7.59"
              "A2 2 0 0 0 7 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.84-1.22l3.02-7.05A2 2 0 0 0 23 12z",
    "star": "M12 17.27 18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z",
    "trophy": "M19 5h-2V3H7v2H5a2 2 0 0 0-2 2v1a5 5 0 0 0 4.39 4.94A5 5 0 0 0 11 15.9V19H7v2h10v-2h-4v-3.1a5 5 0"
              " 0 0 3.61-2.96A5 5 0 0 0 21 8V7a2 2 0 0 0-2-2zM5 8V7h2v3.82A3 3 0 0 1 5 8zm14 0a3 3 0 0 1-2 "
              "2.82V7h2z",
    "lifebuoy": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm7.46 7.12-2.78 1.15a4.98 4.98 0 0 0-2.95-2.94l1.15-2.78"
                "a8 8 0 0 1 4.58 4.57zM12 15a3 3 0 1 1 0-6 3 3 0 0 1 0 6zM9.13 4.54l1.17 2.78a5 5 0 0 0-2.98 "
                "2.97L4.54 9.13a8 8 0 0 1 4.59-4.59zM4.54 14.87l2.78-1.15a4.98 4.98 0 0 0 2.97 2.97l-1.17 2.78a8 "
                "8 0 0 1-4.58-4.6zm10.34 4.59-1.15-2.78a4.98 4.98 0 0 0 2.95-2.97l2.78 1.17a8 8 0 0 1-4.58 4.58z",
    "book": "M18 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM6 4h5v8l-2.5-1.5L6 12z",
    "calendar": "M19 4h-1V2h-2v2H8V2H6v2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm0 "
                "16H5V10h14zM7 12h5v5H7z",
    "crown": "M5 16 3 5l5.5 5L12 4l3.5 6L21 5l-2 11zm14 3a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-1h14z",
    "pillar": "M4 20h16v2H4zM6 6h12v2H6zm1 3h2v9H7zm4 0h2v9h-2zm4 0h2v9h-2zM12 1 3 5h18z",
}

BADGES: tuple[Badge, ...] = (
    # Bronze: first steps.
    Badge("student", Tier.BRONZE, _l("Student"), _l("Asked a question that reached a score of 1."),
          Measure.QUESTION_SCORE, 1, "question"),
    Badge("helper", Tier.BRONZE, _l("Helper"), _l("Answered a question for the first time."),
          Measure.ANSWERS_POSTED, 1, "reply"),
    Badge("solver", Tier.BRONZE, _l("Solver"), _l("Had an answer accepted for the first time."),
          Measure.ACCEPTED_ANSWERS, 1, "check"),
    Badge("supporter", Tier.BRONZE, _l("Supporter"), _l("Upvoted a post for the first time."),
          Measure.UPVOTES_CAST, 1, "heart"),
    Badge("editor", Tier.BRONZE, _l("Editor"), _l("Edited a post for the first time."),
          Measure.EDITS, 1, "pencil"),
    Badge("citizen-patrol", Tier.BRONZE, _l("Citizen Patrol"),
          _l("Flagged a post, and a moderator agreed."), Measure.UPHELD_FLAGS, 1, "shield"),
    Badge("explainer", Tier.BRONZE, _l("Explainer"), _l("Wrote an answer that reached a score of 3."),
          Measure.ANSWER_SCORE, 3, "bulb", repeatable=True),
    Badge("quick-draw", Tier.BRONZE, _l("Quick Draw"),
          _l("Gave the first answer to a question within 15 minutes of its asking, and it was accepted."),
          Measure.QUICK_ACCEPTED_FIRST_ANSWERS, 1, "bolt"),
    Badge("thankful", Tier.BRONZE, _l("Thankful"),
          _l("Accepted an answer to your question within a day of asking it."),
          Measure.QUICK_ACCEPTS, 1, "thanks"),
    # Silver: sustained help.
    Badge("good-answer", Tier.SILVER, _l("Good Answer"), _l("Wrote an answer that reached a score of 10."),
          Measure.ANSWER_SCORE, 10, "star", repeatable=True),
    Badge("problem-solver", Tier.SILVER, _l("Problem Solver"), _l("Had 10 answers accepted."),
          Measure.ACCEPTED_ANSWERS, 10, "trophy"),
    Badge("community-save", Tier.SILVER, _l("Community Save"),
          _l("Solved 5 questions before they ever had to go to staff."), Measure.COMMUNITY_SAVES, 5, "lifebuoy"),
    Badge("knowledge-builder", Tier.SILVER, _l("Knowledge Builder"),
          _l("Asked a question that was resolved and viewed 1,000 times."),
          Measure.RESOLVED_QUESTION_VIEWS, 1000, "book", repeatable=True),
    Badge("regular", Tier.SILVER, _l("Regular"), _l("Visited the community on 30 different days."),
          Measure.VISIT_DAYS, 30, "calendar"),
    # Gold: the pillars of the community.
    Badge("great-answer", Tier.GOLD, _l("Great Answer"), _l("Wrote an answer that reached a score of 25."),
          Measure.ANSWER_SCORE, 25, "star", repeatable=True),
    Badge("guru", Tier.GOLD, _l("Guru"), _l("Had 50 answers accepted."), Measure.ACCEPTED_ANSWERS, 50, "crown"),
    Badge("pillar", Tier.GOLD, _l("Pillar"), _l("Solved 25 questions before they ever had to go to staff."),
          Measure.COMMUNITY_SAVES, 25, "pillar"),
)

BY_SLUG = {badge.slug: badge for badge in BADGES}


def badges_measuring(*measures: Measure) -> list[Badge]:
    return [badge for badge in BADGES if badge.measure in measures]


def _check_declarations() -> None:
    """Fail at import, not in production, when a declaration is inconsistent."""
    assert len(BY_SLUG) == len(BADGES), "badge slugs must be unique"
    for badge in BADGES:
        assert badge.icon in ICONS, badge.slug
        assert badge.per_post or not badge.repeatable, f"{badge.slug}: only per-post measures can repeat"
        assert badge.measure in TRIGGERS, badge.measure


_check_declarations()
