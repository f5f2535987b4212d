"""Votes sent at the same moment: exact score, ledger and reputation, and no deadlock."""
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, BadgeAward, ReputationEvent, User, Vote

VOTERS = 20


def upvote_at_once(app, requests: list[tuple[str, int]]) -> list[int]:
    """Send every (API token, answer id) upvote from its own thread at the same moment; their statuses."""
    barrier, statuses, errors = threading.Barrier(len(requests)), [], []

    def vote(token, answer_id):
        try:
            client = app.test_client()
            barrier.wait()
            response = client.post(f"/api/v1/answers/{answer_id}/vote", json={"value": 1},
                                   headers={"Authorization": f"Bearer {token}"})
            statuses.append(response.status_code)
        except Exception as error:  # pragma: no cover - surfaced below
            errors.append(error)

    workers = [threading.Thread(target=vote, args=request) for request in requests]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors
    return statuses


@pytest.mark.postgres
def test_twenty_simultaneous_votes_on_postgres(app, make, api):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    answer_id = make.answer(bob, make.thread(alice))
    voters = [make.user(f"voter{n}") for n in range(VOTERS)]
    tokens = [api.token(voter.username) for voter in voters]
    # Every voter upvotes; five of them send the same vote twice at once (the race the sec fix covers).
    requests = [(token, 1) for token in tokens] + [(token, 1) for token in tokens[:5]]
    statuses = upvote_at_once(app, [(token, answer_id) for token, _value in requests])
    assert set(statuses) <= {200, 409} and statuses.count(200) >= VOTERS

    with app.app_context():
        assert db.session.scalar(select(Answer.score).where(Answer.id == answer_id)) == VOTERS
        assert db.session.scalar(select(func.count(Vote.id)).where(Vote.answer_id == answer_id)) == VOTERS
        rows = db.session.execute(select(ReputationEvent.user_id, ReputationEvent.delta, ReputationEvent.actor_id)
                                  .where(ReputationEvent.answer_id == answer_id)).all()
        assert len(rows) == VOTERS and {row.actor_id for row in rows} == {voter.id for voter in voters}
        assert all((row.user_id, row.delta) == (bob.id, 10) for row in rows)
        assert db.session.scalar(select(User.reputation).where(User.id == bob.id)) == 1 + 10 * VOTERS
        held = set(db.session.execute(select(BadgeAward.badge, BadgeAward.post_key)
                                      .where(BadgeAward.user_id == bob.id)).tuples())
        assert {("explainer", answer_id), ("good-answer", answer_id)} <= held
        supporters = db.session.scalar(select(func.count(BadgeAward.id)).where(BadgeAward.badge == "supporter"))
        assert supporters == VOTERS


@pytest.mark.postgres
def test_members_voting_for_each_other_at_the_same_moment_never_deadlock(app, make, api):
    """Each vote's insert holds its voter's row (foreign key) while the ledger locks the author's row;
    two members voting for each other must not wait on each other (a deadlock answered 500)."""
    make.category("printers")
    pairs = [(make.user(f"left{n}"), make.user(f"right{n}")) for n in range(10)]
    requests = []
    for left, right in pairs:
        left_answer = make.answer(left, make.thread(right))
        right_answer = make.answer(right, make.thread(left))
        requests += [(api.token(left.username), right_answer), (api.token(right.username), left_answer)]
    assert upvote_at_once(app, requests) == [200] * len(requests)
    with app.app_context():
        ids = [user.id for pair in pairs for user in pair]
        assert set(db.session.scalars(select(User.reputation).where(User.id.in_(ids)))) == {1 + 10}
