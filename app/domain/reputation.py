"""Reputation points: what helping others is worth.

Answers earn more than questions because answering is the behaviour the
community exists for; an accepted answer is the strongest signal.
"""
QUESTION_UPVOTE = 5
ANSWER_UPVOTE = 10
DOWNVOTE = -2
ACCEPTED_ANSWER = 15


def vote_points(value: int, on_answer: bool) -> int:
    """Points the post's author gets for one vote of `value` (-1, 0 or 1)."""
    if value > 0:
        return ANSWER_UPVOTE if on_answer else QUESTION_UPVOTE
    if value < 0:
        return DOWNVOTE
    return 0
