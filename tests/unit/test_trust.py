"""Trust levels: each threshold refuses one step below it and grants at it."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.trust import (
    Activity,
    Privilege,
    Thresholds,
    TrustLevel,
    computed_level,
    flag_accuracy,
    flag_weight,
    has_privilege,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
T = Thresholds()
LEADER = Activity(joined_at=NOW - timedelta(days=400), posts=500, reputation=T.leader_reputation,
                  flags_upheld=8, flags_dismissed=2, last_sanction_at=None)


def level(**changes) -> TrustLevel:
    return computed_level(replace(LEADER, **changes), NOW, T)


def test_a_leader_meets_every_threshold():
    assert level() == TrustLevel.LEADER


@pytest.mark.parametrize("changes, expected", [
    ({"joined_at": NOW - timedelta(days=T.basic_days) + timedelta(seconds=1)}, TrustLevel.NEW),
    ({"posts": T.basic_posts - 1}, TrustLevel.NEW),
    ({"joined_at": NOW - timedelta(days=T.member_days) + timedelta(seconds=1)}, TrustLevel.BASIC),
    ({"posts": T.member_posts - 1}, TrustLevel.BASIC),
    ({"reputation": T.member_reputation - 1}, TrustLevel.BASIC),
    ({"reputation": T.leader_reputation - 1}, TrustLevel.MEMBER),
    ({"flags_upheld": 7, "flags_dismissed": 3}, TrustLevel.MEMBER),   # 70 % accurate, 80 % needed
    ({"flags_upheld": 5, "flags_dismissed": 4}, TrustLevel.MEMBER),   # 9 resolved flags: too few
    ({"last_sanction_at": NOW - timedelta(days=T.leader_clean_days) + timedelta(seconds=1)}, TrustLevel.MEMBER),
])
def test_one_step_below_a_threshold_is_the_level_below(changes, expected):
    assert level(**changes) == expected


@pytest.mark.parametrize("changes, expected", [
    ({"joined_at": NOW - timedelta(days=T.basic_days), "posts": T.basic_posts, "reputation": 0}, TrustLevel.BASIC),
    ({"joined_at": NOW - timedelta(days=T.member_days), "posts": T.member_posts,
      "reputation": T.member_reputation}, TrustLevel.MEMBER),
    ({"flags_upheld": 8, "flags_dismissed": 2}, TrustLevel.LEADER),
    ({"last_sanction_at": NOW - timedelta(days=T.leader_clean_days)}, TrustLevel.LEADER),
])
def test_at_a_threshold_the_level_is_granted(changes, expected):
    assert level(**changes) == expected


@pytest.mark.parametrize("privilege, needed", [
    (Privilege.POST_LINKS, 1), (Privilege.FLAG, 1), (Privilege.RETAG, 2), (Privilege.CLOSE_DUPLICATE, 2),
    (Privilege.HIDE_AT_ONCE, 3), (Privilege.EDIT_OTHERS, 3),
])
def test_each_privilege_starts_at_its_level(privilege, needed):
    assert not has_privilege(needed - 1, privilege)
    assert has_privilege(needed, privilege)


def test_flag_weights_and_accuracy():
    assert [flag_weight(level, 3) for level in range(4)] == [1, 1, 2, 3]
    assert flag_accuracy(0, 0) is None
    assert flag_accuracy(4, 1) == 0.8


def test_thresholds_from_configuration_ignore_unknown_keys():
    assert Thresholds.from_config({"basic_posts": 1, "nonsense": 5}).basic_posts == 1
