"""Reputation rules: what helping others is worth, declared once as data.

Answers earn more than questions because answering is the behaviour the
community exists for; an accepted answer is the strongest signal, and an
answer that solved a thread before it ever reached staff (a community save)
earns a bonus on top. Staff earn nothing: they are paid to help.

The ledger (app.services.reputation_ledger) stores what each rule paid at
the time, so changing a figure here (or in REPUTATION_POINTS) changes
future events only and `flask reputation recompute` stays exact.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

#: Every account starts here, and no account ever falls below it.
STARTING_REPUTATION = 1
FLOOR = 1


class Reason(StrEnum):
    """Why a ledger row exists; stored in the ledger, so members never change."""

    ANSWER_UPVOTED = "answer_upvoted"
    QUESTION_UPVOTED = "question_upvoted"
    DOWNVOTED = "downvoted"
    DOWNVOTE_CAST = "downvote_cast"
    ANSWER_ACCEPTED = "answer_accepted"
    ACCEPTED_OWN = "accepted_own"
    COMMUNITY_SAVE = "community_save"


DEFAULT_POINTS: Mapping[str, int] = {
    Reason.ANSWER_UPVOTED: 10,
    Reason.QUESTION_UPVOTED: 5,
    Reason.DOWNVOTED: -2,
    Reason.DOWNVOTE_CAST: -1,
    Reason.ANSWER_ACCEPTED: 15,
    Reason.ACCEPTED_OWN: 2,
    Reason.COMMUNITY_SAVE: 5,
}

#: Rows a vote writes; reversing a vote reverses exactly these of its rows.
VOTE_REASONS = frozenset({Reason.ANSWER_UPVOTED, Reason.QUESTION_UPVOTED, Reason.DOWNVOTED, Reason.DOWNVOTE_CAST})
#: Rows an acceptance writes; un-accepting reverses exactly these.
ACCEPT_REASONS = frozenset({Reason.ANSWER_ACCEPTED, Reason.ACCEPTED_OWN, Reason.COMMUNITY_SAVE})


def points_table(overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """The defaults with configured overrides (REPUTATION_POINTS); unknown reasons are an error."""
    table = {str(reason): points for reason, points in DEFAULT_POINTS.items()}
    for reason, points in (overrides or {}).items():
        if reason not in table:
            raise ValueError(f"unknown reputation reason {reason!r}; known: {', '.join(sorted(table))}")
        if isinstance(points, bool) or not isinstance(points, int):
            raise ValueError(f"reputation points for {reason!r} must be a whole number")
        table[reason] = points
    return table


def floored_delta(current: int, delta: int) -> int:
    """The change actually applied to `current`: never below the floor.

    The ledger stores this, not the rule's figure, so the stored reputation
    is always the starting value plus the ledger's sum.
    """
    if delta >= 0:
        return delta
    return max(delta, min(0, FLOOR - current))


@dataclass(frozen=True)
class Effect:
    """One ledger row a cause should write: who gets how much for what."""

    user_id: int
    reason: Reason


def vote_effects(value: int, *, on_answer: bool, author_id: int, voter_id: int, author_is_staff: bool) -> list[Effect]:
    """Rows one vote of `value` (-1, 0 or 1) writes; staff authors earn nothing."""
    effects: list[Effect] = []
    if value > 0 and not author_is_staff:
        effects.append(Effect(author_id, Reason.ANSWER_UPVOTED if on_answer else Reason.QUESTION_UPVOTED))
    elif value < 0:
        if not author_is_staff:
            effects.append(Effect(author_id, Reason.DOWNVOTED))
        if on_answer:
            effects.append(Effect(voter_id, Reason.DOWNVOTE_CAST))
    return effects


def accept_effects(*, answer_author_id: int, answer_is_staff: bool, asker_id: int, accepter_id: int,
                   community_save: bool) -> list[Effect]:
    """Rows accepting an answer writes.

    Nothing for accepting your own answer; the +2 goes to the asker only
    when the asker chose (staff accepting on their behalf earn nothing).
    """
    if answer_author_id == asker_id:
        return []
    effects: list[Effect] = []
    if not answer_is_staff:
        effects.append(Effect(answer_author_id, Reason.ANSWER_ACCEPTED))
        if community_save:
            effects.append(Effect(answer_author_id, Reason.COMMUNITY_SAVE))
    if accepter_id == asker_id:
        effects.append(Effect(asker_id, Reason.ACCEPTED_OWN))
    return effects
