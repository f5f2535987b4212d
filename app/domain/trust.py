"""Trust levels: what a member has earned the right to do, from what they have done.

Four levels, in the spirit of Discourse: 0 new, 1 basic, 2 member, 3 leader.
A level is computed from plain facts (account age, posts written,
reputation, flag accuracy, the latest sanction) and configurable
thresholds; no Flask and no database here, so the rules are tested alone.
Staff can lock a level, and the policy (app.policy) turns levels into
privileges.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum


class TrustLevel(IntEnum):
    NEW = 0
    BASIC = 1
    MEMBER = 2
    LEADER = 3


class Privilege:
    """The privileges a trust level grants; each is checked by one policy function."""

    POST_LINKS = "post_links"
    POST_IMAGES = "post_images"
    FLAG = "flag"
    RETAG = "retag"
    CLOSE_DUPLICATE = "close_duplicate"
    HIDE_AT_ONCE = "hide_at_once"
    EDIT_OTHERS = "edit_others"


#: The lowest level holding each privilege.
PRIVILEGE_LEVEL = {
    Privilege.POST_LINKS: TrustLevel.BASIC,
    Privilege.POST_IMAGES: TrustLevel.BASIC,
    Privilege.FLAG: TrustLevel.BASIC,
    Privilege.RETAG: TrustLevel.MEMBER,
    Privilege.CLOSE_DUPLICATE: TrustLevel.MEMBER,
    Privilege.HIDE_AT_ONCE: TrustLevel.LEADER,
    Privilege.EDIT_OTHERS: TrustLevel.LEADER,
}


@dataclass(frozen=True)
class Thresholds:
    """Defaults: level 1 after a day and a few posts; 2 after sustained activity and 100 reputation;
    3 with 1,000 reputation, accurate flags and a clean recent record."""

    basic_days: int = 1
    basic_posts: int = 3
    member_days: int = 15
    member_posts: int = 20
    member_reputation: int = 100
    leader_reputation: int = 1000
    leader_flag_accuracy: float = 0.8
    leader_min_resolved_flags: int = 10
    leader_clean_days: int = 90

    @classmethod
    def from_config(cls, config: dict | None) -> "Thresholds":
        known = {name: value for name, value in (config or {}).items() if name in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Activity:
    """The facts a level is computed from."""

    joined_at: datetime
    posts: int
    reputation: int
    flags_upheld: int
    flags_dismissed: int
    last_sanction_at: datetime | None


def flag_accuracy(upheld: int, dismissed: int) -> float | None:
    """Share of resolved flags a moderator agreed with; None before the first resolved flag."""
    resolved = upheld + dismissed
    return upheld / resolved if resolved else None


def level_before_posts(activity: Activity, now: datetime, thresholds: Thresholds = Thresholds()) -> TrustLevel:
    """The level every criterion but the number of posts allows (age, reputation, flags, sanctions)."""
    age = now - activity.joined_at
    if age < timedelta(days=thresholds.basic_days):
        return TrustLevel.NEW
    if age < timedelta(days=thresholds.member_days) or activity.reputation < thresholds.member_reputation:
        return TrustLevel.BASIC
    accuracy = flag_accuracy(activity.flags_upheld, activity.flags_dismissed)
    recently_sanctioned = (activity.last_sanction_at is not None
                           and now - activity.last_sanction_at < timedelta(days=thresholds.leader_clean_days))
    if (activity.reputation >= thresholds.leader_reputation
            and activity.flags_upheld + activity.flags_dismissed >= thresholds.leader_min_resolved_flags
            and accuracy is not None and accuracy >= thresholds.leader_flag_accuracy
            and not recently_sanctioned):
        return TrustLevel.LEADER
    return TrustLevel.MEMBER


def level_posts_allow(posts: int, thresholds: Thresholds = Thresholds()) -> TrustLevel:
    """The highest level `posts` written posts allow (the leader level asks for no more posts than a member's)."""
    if posts < thresholds.basic_posts:
        return TrustLevel.NEW
    if posts < thresholds.member_posts:
        return TrustLevel.BASIC
    return TrustLevel.LEADER


def posts_that_matter(thresholds: Thresholds = Thresholds()) -> int:
    """Counting a member's posts beyond this many changes no level, so counts may stop there."""
    return max(thresholds.basic_posts, thresholds.member_posts)


def computed_level(activity: Activity, now: datetime, thresholds: Thresholds = Thresholds()) -> TrustLevel:
    """The ladder's criteria are all "at least", so the level is the lower of the two partial answers.

    Split so that an incremental recompute can often decide without counting posts (app.services.trust).
    """
    return min(level_before_posts(activity, now, thresholds), level_posts_allow(activity.posts, thresholds))


def has_privilege(level: int, privilege: str) -> bool:
    return level >= PRIVILEGE_LEVEL[privilege]


def flag_weight(level: int, hide_threshold: int) -> int:
    """A flag weighs its flagger's level (at least 1); a leader's flag alone reaches the hide threshold."""
    if level >= TrustLevel.LEADER:
        return max(hide_threshold, 1)
    return max(level, 1)


def privileges_of(level: int) -> list[str]:
    return [name for name, needed in PRIVILEGE_LEVEL.items() if level >= needed]
