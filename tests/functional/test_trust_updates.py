"""Trust levels follow the events that change them, in the same transaction, for the one user concerned.

Thresholds are made small (TRUST_THRESHOLDS) so a few posts and votes cross them.
"""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import Thread, User
from app.services import moderation, sanctions

SMALL = {"basic_days": 1, "basic_posts": 2, "member_days": 2, "member_posts": 3, "member_reputation": 20,
         "leader_reputation": 40, "leader_min_resolved_flags": 2, "leader_flag_accuracy": 0.5,
         "leader_clean_days": 90}


@pytest.fixture()
def small_thresholds(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUST_THRESHOLDS", SMALL)


def level(app, user_id) -> int:
    with app.app_context():
        return db.session.get(User, user_id).trust_level


def set_user(app, user_id, **columns):
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in columns.items():
            setattr(user, name, value)
        db.session.commit()


@pytest.fixture()
def people(app, make, small_thresholds):
    make.category()
    names = {name: make.user(name) for name in ("asker", "writer", "voter", "flagger")}
    names["mod"] = make.user("mod", role="moderator")
    old = clock.now() - timedelta(days=5)
    for name in ("asker", "writer", "voter", "flagger"):
        set_user(app, names[name].id, created_at=old)
    return names


def test_posting_raises_the_level_at_once(app, make, people):
    thread = make.thread(people["asker"])
    make.answer(people["writer"], thread)
    assert level(app, people["writer"].id) == 0
    make.answer(people["writer"], thread, body="A second answer with more detail.")
    assert level(app, people["writer"].id) == 1          # 2 posts, 5 days old


def test_reputation_from_a_vote_raises_and_a_hidden_post_lowers(app, make, people, api):
    thread = make.thread(people["asker"])
    answers = [make.answer(people["writer"], thread, body=f"Answer number {n} with enough words.") for n in range(3)]
    set_user(app, people["writer"].id, reputation=15)
    assert level(app, people["writer"].id) == 1          # 3 posts, but reputation 15 < 20
    token = api.token("voter")
    assert api.call("POST", f"/api/v1/answers/{answers[0]}/vote", token, json={"value": 1}).status_code == 200
    assert level(app, people["writer"].id) == 2          # +10 reputation
    with app.app_context():
        moderation.hide(db.session.get(User, people["mod"].id),
                        db.session.get(moderation.Answer, answers[1]), "Off-topic")
    assert level(app, people["writer"].id) == 1          # 2 visible posts left


def test_resolved_flags_and_sanctions_move_the_flaggers_and_the_member(app, make, people, api):
    thread = make.thread(people["asker"])
    make.answer(people["asker"], thread, body="Following up on my own question here.")
    make.answer(people["asker"], thread, body="And one more detail about the printer.")
    set_user(app, people["flagger"].id, trust_level=2, reputation=50, flags_upheld=1)
    for n in range(3):
        make.answer(people["flagger"], thread, body=f"Helpful answer number {n} for the asker.")
    assert level(app, people["flagger"].id) == 2          # one resolved flag, two needed
    token = api.token("flagger")
    assert api.call("POST", f"/api/v1/threads/{thread}/flag", token, json={"reason": "spam"}).status_code == 201
    with app.app_context():
        moderation.hide(db.session.get(User, people["mod"].id), db.session.get(Thread, thread), "Spam")
    assert level(app, people["flagger"].id) == 3          # two upheld flags: a leader
    with app.app_context():
        sanctions.sanction(db.session.get(User, people["mod"].id), db.session.get(User, people["flagger"].id),
                           sanctions.SanctionRequest("silence", "Heated replies", days=1))
    assert level(app, people["flagger"].id) == 2          # sanctioned within 90 days


def test_a_locked_level_is_never_recomputed(app, make, people):
    set_user(app, people["writer"].id, trust_level=3, trust_level_locked=True)
    thread = make.thread(people["asker"])
    make.answer(people["writer"], thread)
    assert level(app, people["writer"].id) == 3


def _statements(count_queries, action):
    with count_queries() as counter:
        action()
    return counter.statements


def test_an_established_member_posting_costs_no_post_count(app, make, people, count_queries):
    """At the level everything but posts allows, another post cannot raise it: nothing is counted."""
    thread = make.thread(people["asker"])
    for n in range(3):
        make.answer(people["writer"], thread, body=f"Answer number {n} with enough words.")
    set_user(app, people["writer"].id, reputation=25)
    make.answer(people["writer"], thread, body="One more answer so the level is stored.")
    assert level(app, people["writer"].id) == 2

    def counts_posts(statements):
        return [sql for sql in statements if "count(" in sql.lower() and "author_id" in sql and "LIMIT" in sql]

    established = _statements(count_queries, lambda: make.answer(people["writer"], thread,
                                                                 body="Yet another answer, nothing changes."))
    assert counts_posts(established) == []
    newcomer = _statements(count_queries, lambda: make.answer(people["voter"], thread,
                                                              body="My first answer in this community."))
    assert len(counts_posts(newcomer)) == 1               # level 0 below its ceiling: counted, capped
