"""Every reputation rule, its exact reversal, the floor at 1, nothing for staff, and recompute."""
import pytest
from sqlalchemy import func, select

from app import events
from app.domain.reputation import Reason
from app.extensions import db
from app.models import ReputationEvent, Thread, User, Vote
from app.services import posting, reputation_ledger, resolution, sla, voting


@pytest.fixture()
def forum(make, frozen_clock):
    make.category("printers")
    people = {name: make.user(name) for name in ("alice", "bob", "carla", "dmitri")}
    people["sam"] = make.user("sam", role="staff")
    return people


def rep(name: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(User.reputation).where(User.username == name))


def ledger_sum(name: str) -> int:
    user_id = db.session.scalar(select(User.id).where(User.username == name))
    return db.session.scalar(select(func.coalesce(func.sum(ReputationEvent.delta), 0))
                             .where(ReputationEvent.user_id == user_id))


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def vote_answer(voter: str, answer_id: int, value: int) -> None:
    voting.vote_answer(user(voter), posting.visible_answer(answer_id), value)


def vote_thread(voter: str, thread_id: int, value: int) -> None:
    voting.vote_thread(user(voter), posting.visible_thread(thread_id), value)


def everyone_consistent() -> None:
    """The cache equals 1 + the ledger for every user: the invariant behind every test here."""
    db.session.expire_all()
    for member in db.session.scalars(select(User)):
        assert member.reputation == 1 + ledger_sum(member.username), member.username


def test_new_accounts_start_at_one(ctx, forum):
    assert rep("alice") == 1 and ledger_sum("alice") == 0


@pytest.mark.parametrize("value, author_gain, voter_cost", [(1, 10, 0), (-1, -2, -1)])
def test_answer_votes_and_their_exact_reversal(make, ctx, forum, value, author_gain, voter_cost):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    vote_answer("carla", answer, 1)  # lift both above the floor so a downvote shows in full
    vote_answer("dmitri", answer, 1)
    vote_thread("bob", thread, 1)
    before_bob, before_alice = rep("bob"), rep("alice")
    vote_answer("alice", answer, value)
    assert rep("bob") - before_bob == author_gain
    assert rep("alice") - before_alice == voter_cost
    vote_answer("alice", answer, 0)
    assert (rep("bob"), rep("alice")) == (before_bob, before_alice)
    everyone_consistent()


def test_question_votes_earn_five_and_cost_two(make, ctx, forum):
    thread = make.thread(forum["alice"])
    vote_thread("bob", thread, 1)
    vote_thread("carla", thread, 1)
    assert rep("alice") == 11
    vote_thread("dmitri", thread, -1)
    assert rep("alice") == 9 and rep("dmitri") == 1  # no cost for downvoting a question
    vote_thread("dmitri", thread, 0)
    vote_thread("carla", thread, 0)
    assert rep("alice") == 6
    everyone_consistent()


def test_a_changed_vote_reverses_the_old_rows_and_writes_the_new(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    vote_answer("alice", answer, 1)
    assert rep("bob") == 11
    vote_answer("alice", answer, -1)
    assert rep("bob") == 1 and rep("alice") == 1  # 11 - 10 - 2 floors at 1; alice's -1 floors too
    vote_answer("alice", answer, 1)
    assert rep("bob") == 11
    reversed_rows = db.session.scalars(select(ReputationEvent).where(ReputationEvent.reversal_of_id.is_not(None)))
    assert {row.cause for row in reversed_rows} == {"vote_changed"}
    everyone_consistent()


def test_accepting_pays_answerer_asker_and_community_save_and_unaccept_reverses_all(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    resolution.accept(user("alice"), posting.visible_thread(thread), answer)
    assert rep("bob") == 1 + 15 + 5
    assert rep("alice") == 1 + 2
    reasons = set(db.session.scalars(select(ReputationEvent.reason)))
    assert reasons == {Reason.ANSWER_ACCEPTED, Reason.COMMUNITY_SAVE, Reason.ACCEPTED_OWN}
    resolution.unaccept(user("alice"), posting.visible_thread(thread))
    assert rep("bob") == 1 and rep("alice") == 1
    everyone_consistent()


def test_switching_the_accepted_answer_moves_the_points(make, ctx, forum):
    thread = make.thread(forum["alice"])
    first = make.answer(forum["bob"], thread)
    second = make.answer(forum["carla"], thread)
    resolution.accept(user("alice"), posting.visible_thread(thread), first)
    resolution.accept(user("alice"), posting.visible_thread(thread), second)
    assert (rep("bob"), rep("carla"), rep("alice")) == (1, 21, 3)
    resolution.accept(user("alice"), posting.visible_thread(thread), second)  # same answer again: nothing
    assert (rep("carla"), rep("alice")) == (21, 3)
    everyone_consistent()


def test_no_community_save_once_a_thread_escalated(make, ctx, forum, frozen_clock):
    thread = make.thread(forum["alice"])
    frozen_clock.advance(hours=5)
    assert sla.escalate_overdue_threads() == [thread]
    answer = make.answer(forum["bob"], thread)
    resolution.accept(user("alice"), posting.visible_thread(thread), answer)
    assert rep("bob") == 16


def test_an_escalation_only_in_the_timeline_still_counts(make, ctx, forum, frozen_clock):
    thread = make.thread(forum["alice"])
    frozen_clock.advance(hours=5)
    sla.escalate_overdue_threads()
    db.session.get(Thread, thread).escalated_at = None
    db.session.commit()
    answer = make.answer(forum["bob"], thread)
    resolution.accept(user("alice"), posting.visible_thread(thread), answer)
    assert rep("bob") == 16


def test_staff_earn_nothing_and_staff_accepting_gives_the_asker_nothing(make, ctx, forum):
    thread = make.thread(forum["alice"])
    staff_answer = make.answer(forum["sam"], thread)
    vote_answer("bob", staff_answer, 1)
    vote_answer("carla", staff_answer, -1)
    resolution.accept(user("alice"), posting.visible_thread(thread), staff_answer)
    assert rep("sam") == 1
    assert ledger_sum("sam") == 0
    assert rep("alice") == 3  # the asker's own +2 for choosing
    community = make.answer(forum["bob"], thread)
    resolution.accept(user("sam"), posting.visible_thread(thread), community)
    assert rep("bob") == 21 and rep("alice") == 1  # staff chose: the asker's +2 went with the old acceptance
    staff_question = make.thread(forum["sam"], title="Staff asks about printers")
    vote_thread("bob", staff_question, 1)
    assert rep("sam") == 1
    everyone_consistent()


def test_self_answers_earn_nothing_when_accepted(make, ctx, forum):
    thread = make.thread(forum["alice"])
    own = make.answer(forum["alice"], thread)
    resolution.accept(user("alice"), posting.visible_thread(thread), own)
    assert rep("alice") == 1 and ledger_sum("alice") == 0


def test_the_floor_holds_and_reversal_gives_back_only_what_was_taken(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    vote_answer("alice", answer, -1)
    vote_answer("carla", answer, -1)
    vote_answer("dmitri", answer, -1)
    assert rep("bob") == 1 and ledger_sum("bob") == 0
    assert rep("alice") == 1 and rep("carla") == 1
    vote_answer("carla", answer, 0)
    assert rep("bob") == 1  # nothing was taken, so nothing comes back
    vote_answer("carla", answer, 1)
    assert rep("bob") == 11
    vote_answer("dmitri", answer, 0)
    assert rep("bob") == 11
    everyone_consistent()


def test_configured_points_apply_to_new_events_only(app, make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    vote_answer("alice", answer, 1)
    app.config["REPUTATION_POINTS"] = {"answer_upvoted": 20}
    try:
        vote_answer("carla", answer, 1)
        assert rep("bob") == 31
        vote_answer("alice", answer, 0)  # reverses what that vote paid: 10, not 20
        assert rep("bob") == 21
    finally:
        app.config.pop("REPUTATION_POINTS")
    everyone_consistent()


def announce(kind: str, **fields) -> None:
    events.announce(kind, **fields)
    db.session.commit()


def test_a_deleted_answer_takes_its_reputation_and_a_restore_gives_it_back_exactly(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    other = make.answer(forum["carla"], thread)
    vote_answer("alice", answer, 1)
    vote_answer("dmitri", answer, -1)
    vote_answer("dmitri", other, 1)
    resolution.accept(user("alice"), posting.visible_thread(thread), answer)
    snapshot = {name: rep(name) for name in ("alice", "bob", "carla", "dmitri")}
    assert snapshot == {"alice": 3, "bob": 1 + 10 - 2 + 15 + 5, "carla": 11, "dmitri": 1}

    announce("post_deleted", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["bob"].id, answer_id=answer)
    assert {name: rep(name) for name in snapshot} == {"alice": 1, "bob": 1, "carla": 11, "dmitri": 1}
    announce("post_restored", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["bob"].id, answer_id=answer)
    assert {name: rep(name) for name in snapshot} == snapshot
    announce("post_restored", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["bob"].id, answer_id=answer)
    assert {name: rep(name) for name in snapshot} == snapshot  # a second restore finds nothing to restore

    vote_answer("dmitri", answer, 0)  # the restored rows are live: withdrawing reverses them
    assert rep("bob") == snapshot["bob"] + 2
    everyone_consistent()


def test_a_deleted_question_takes_the_whole_thread(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    vote_thread("carla", thread, 1)
    vote_answer("carla", answer, 1)
    announce("post_deleted", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["alice"].id)
    assert rep("alice") == 1 and rep("bob") == 1
    announce("post_restored", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["alice"].id)
    assert rep("alice") == 6 and rep("bob") == 11
    everyone_consistent()


def test_a_vote_fraud_ban_reverses_every_vote_of_that_user(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    other = make.answer(forum["carla"], thread)
    vote_answer("dmitri", answer, 1)
    vote_answer("dmitri", other, -1)
    vote_thread("dmitri", thread, 1)
    vote_answer("alice", answer, 1)
    announce("user_sanctioned", user_id=forum["dmitri"].id, actor_id=forum["sam"].id, vote_fraud=False)
    assert rep("bob") == 21
    announce("user_sanctioned", user_id=forum["dmitri"].id, actor_id=forum["sam"].id, vote_fraud=True)
    assert (rep("alice"), rep("bob"), rep("carla"), rep("dmitri")) == (1, 11, 1, 1)
    causes = set(db.session.scalars(select(ReputationEvent.cause).where(ReputationEvent.actor_id == forum["dmitri"].id,
                                                                         ReputationEvent.reversal_of_id.is_not(None))))
    assert causes == {"vote_fraud"}
    everyone_consistent()


def test_recompute_reports_and_fixes_a_tampered_figure(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    vote_answer("alice", answer, 1)
    db.session.execute(User.__table__.update().where(User.username == "bob").values(reputation=999))
    db.session.commit()
    mismatches = reputation_ledger.recompute()
    assert [(m.username, m.stored, m.ledger) for m in mismatches] == [("bob", 999, 11)]
    assert rep("bob") == 11
    assert reputation_ledger.recompute() == []


def test_a_failed_vote_leaves_no_ledger_row(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    with pytest.raises(Exception):
        vote_answer("bob", answer, 1)  # own post
    assert db.session.scalar(select(func.count(ReputationEvent.id))) == 0


def test_a_restore_does_not_bring_back_what_ended_while_the_post_was_away(make, ctx, forum):
    thread = make.thread(forum["alice"])
    answer = make.answer(forum["bob"], thread)
    other = make.answer(forum["carla"], thread)
    vote_answer("dmitri", answer, 1)
    resolution.accept(user("alice"), posting.visible_thread(thread), answer)
    announce("post_deleted", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["bob"].id, answer_id=answer)
    resolution.accept(user("alice"), posting.visible_thread(thread), other)  # the asker moved on
    db.session.execute(Vote.__table__.delete().where(Vote.answer_id == answer))  # the vote went too
    db.session.commit()
    announce("post_restored", thread_id=thread, actor_id=forum["sam"].id, user_id=forum["bob"].id, answer_id=answer)
    assert rep("bob") == 1 and rep("carla") == 21 and rep("alice") == 3
    everyone_consistent()
