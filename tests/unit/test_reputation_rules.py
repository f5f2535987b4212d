"""The reputation rules and badge declarations as data: pure, no database."""
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.domain import reputation
from app.domain.badges import BADGES, ICONS, PER_POST, TRIGGERS, Tier
from app.domain.reputation import Effect, Reason


def test_defaults_match_the_issue():
    assert reputation.points_table() == {"answer_upvoted": 10, "question_upvoted": 5, "downvoted": -2,
                                         "downvote_cast": -1, "answer_accepted": 15, "accepted_own": 2,
                                         "community_save": 5}


def test_configured_points_override_and_bad_ones_are_refused():
    assert reputation.points_table({"answer_upvoted": 12})["answer_upvoted"] == 12
    with pytest.raises(ValueError):
        reputation.points_table({"bounty": 50})
    with pytest.raises(ValueError):
        reputation.points_table({"answer_upvoted": "12"})


@pytest.mark.parametrize("current, wanted, applied", [(20, -2, -2), (2, -2, -1), (1, -2, 0), (1, 10, 10), (5, 0, 0)])
def test_the_floor_limits_losses_only(current, wanted, applied):
    assert reputation.floored_delta(current, wanted) == applied


def test_vote_effects():
    up = reputation.vote_effects(1, on_answer=True, author_id=1, voter_id=2, author_is_staff=False)
    assert up == [Effect(1, Reason.ANSWER_UPVOTED)]
    down = reputation.vote_effects(-1, on_answer=True, author_id=1, voter_id=2, author_is_staff=False)
    assert down == [Effect(1, Reason.DOWNVOTED), Effect(2, Reason.DOWNVOTE_CAST)]
    assert reputation.vote_effects(-1, on_answer=False, author_id=1, voter_id=2, author_is_staff=False) == [
        Effect(1, Reason.DOWNVOTED)]
    assert reputation.vote_effects(1, on_answer=True, author_id=1, voter_id=2, author_is_staff=True) == []
    assert reputation.vote_effects(0, on_answer=True, author_id=1, voter_id=2, author_is_staff=False) == []


def test_accept_effects():
    full = reputation.accept_effects(answer_author_id=2, answer_is_staff=False, asker_id=1, accepter_id=1,
                                     community_save=True)
    assert full == [Effect(2, Reason.ANSWER_ACCEPTED), Effect(2, Reason.COMMUNITY_SAVE), Effect(1, Reason.ACCEPTED_OWN)]
    assert reputation.accept_effects(answer_author_id=1, answer_is_staff=False, asker_id=1, accepter_id=1,
                                     community_save=True) == []
    assert reputation.accept_effects(answer_author_id=3, answer_is_staff=True, asker_id=1, accepter_id=9,
                                     community_save=True) == []


def test_badges_are_declared_completely():
    tiers = {badge.tier for badge in BADGES}
    assert tiers == set(Tier)
    assert {badge.slug for badge in BADGES} >= {
        "student", "helper", "solver", "supporter", "editor", "citizen-patrol", "explainer", "quick-draw",
        "thankful", "good-answer", "problem-solver", "community-save", "knowledge-builder", "regular",
        "great-answer", "guru", "pillar"}
    for badge in BADGES:
        assert badge.icon in ICONS and badge.measure in TRIGGERS
        assert not badge.repeatable or badge.measure in PER_POST
        assert all(ch in "0123456789.,-+ MmLlHhVvCcSsQqTtAaZz" for ch in ICONS[badge.icon])  # path data only


def test_every_badge_name_and_description_has_a_german_translation():
    catalog_path = Path(__file__).resolve().parents[2] / "app/people/translations/de/LC_MESSAGES/messages.po"
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle)
    for badge in BADGES:
        for text in (badge.name, badge.description):
            message = catalog.get(text._args[0])
            assert message is not None and message.string, text._args[0]
