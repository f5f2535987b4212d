"""The same user voting many times at once: every answer is 200 or 409 and the score stays exact."""
import threading

import pytest
from sqlalchemy import func, select

from app.domain.reputation import DEFAULT_POINTS, STARTING_REPUTATION, Reason
from app.extensions import db
from app.models import Answer, Thread, User, Vote
from app.services import reputation_ledger

ATTEMPTS = 10


@pytest.fixture()
def voted_thread(make):
    make.category("printers")
    asker, voter = make.user("alice"), make.user("bob")
    thread_id = make.thread(asker)
    answer_id = make.answer(asker, thread_id)
    return {"asker": asker, "voter": voter, "thread_id": thread_id, "answer_id": answer_id}


def _vote_at_once(app, token, path, values):
    """Send one vote per value from its own thread, all released together."""
    barrier = threading.Barrier(len(values))
    statuses = [None] * len(values)

    def send(index, value):
        client = app.test_client()
        barrier.wait()
        statuses[index] = client.post(path, json={"value": value},
                                      headers={"Authorization": f"Bearer {token}"}).status_code

    workers = [threading.Thread(target=send, args=(n, value)) for n, value in enumerate(values)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return statuses


def _state(app, model, target_id, asker_id):
    with app.app_context():
        column = Vote.answer_id if model is Answer else Vote.thread_id
        total = db.session.scalar(select(func.coalesce(func.sum(Vote.value), 0)).where(column == target_id))
        rows = db.session.scalar(select(func.count()).select_from(Vote).where(column == target_id))
        score = db.session.get(model, target_id).score
        reputation = db.session.get(User, asker_id).reputation
        db.session.remove()
        return score, total, rows, reputation


@pytest.mark.parametrize("kind", ["thread", "answer"])
def test_identical_votes_at_once_count_once(app, api, voted_thread, kind):
    token = api.token("bob")
    target_id = voted_thread["thread_id"] if kind == "thread" else voted_thread["answer_id"]
    model = Thread if kind == "thread" else Answer
    _, _, _, reputation_before = _state(app, model, target_id, voted_thread["asker"].id)

    statuses = _vote_at_once(app, token, f"/api/v1/{kind}s/{target_id}/vote", [1] * ATTEMPTS)

    assert set(statuses) <= {200, 409}, statuses
    score, total, rows, reputation = _state(app, model, target_id, voted_thread["asker"].id)
    assert (score, total, rows) == (1, 1, 1)
    gained = DEFAULT_POINTS[Reason.ANSWER_UPVOTED if kind == "answer" else Reason.QUESTION_UPVOTED]
    assert reputation == reputation_before + gained


def test_mixed_votes_at_once_leave_a_score_equal_to_the_stored_vote(app, api, voted_thread):
    token = api.token("bob")
    thread_id = voted_thread["thread_id"]
    api.call("POST", f"/api/v1/threads/{thread_id}/vote", token, json={"value": 1})

    statuses = _vote_at_once(app, token, f"/api/v1/threads/{thread_id}/vote", [-1, 0, 1, -1, 0] * 2)

    assert set(statuses) <= {200, 409}, statuses
    score, total, rows, reputation = _state(app, Thread, thread_id, voted_thread["asker"].id)
    assert score == total and rows <= 1
    with app.app_context():
        assert reputation == STARTING_REPUTATION + reputation_ledger.ledger_sums().get(voted_thread["asker"].id, 0)
