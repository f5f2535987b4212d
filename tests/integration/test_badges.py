"""Each badge at its threshold and one step below; repeatable badges per post; backfill equals live awarding."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app import events
from app.domain.badges import BADGES, BY_SLUG
from app.extensions import db
from app.models import BadgeAward, DomainEvent, Thread, User
from app.services import badges, knowledge_base, posting, resolution, voting

CHEAP_HASH = "pbkdf2:sha256:1$x$0"  # never logged in with: keeps creating many voters fast


@pytest.fixture()
def forum(make, frozen_clock):
    make.category("printers")
    return {name: make.user(name) for name in ("alice", "bob")}


def voters(count: int, prefix: str = "voter") -> list[User]:
    people = [User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com", password_hash=CHEAP_HASH)
              for n in range(count)]
    db.session.add_all(people)
    db.session.commit()
    return people


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def held(name: str) -> list[tuple[str, int]]:
    user_id = db.session.scalar(select(User.id).where(User.username == name))
    return sorted(db.session.execute(select(BadgeAward.badge, BadgeAward.post_key)
                                     .where(BadgeAward.user_id == user_id)).tuples())


def slugs(name: str) -> set[str]:
    return {slug for slug, _post in held(name)}


def ask(author: str, title: str = "Printer shows error E42") -> Thread:
    return posting.ask(user(author), posting.QuestionDraft(title, "It stopped printing after the update.", "printers",
                                                           []))


def answer(author: str, thread: Thread):
    return posting.answer(user(author), posting.visible_thread(thread.id), "Unplug it for thirty seconds, then retry.")


@pytest.mark.parametrize("slug, threshold", [("explainer", 3), ("good-answer", 10), ("great-answer", 25)])
def test_answer_score_badges_at_threshold_and_one_below(ctx, forum, slug, threshold):
    post = answer("bob", ask("alice"))
    crowd = voters(threshold)
    for voter in crowd[:-1]:
        voting.vote_answer(voter, post, 1)
    assert slug not in slugs("bob")
    voting.vote_answer(crowd[-1], post, 1)
    award = db.session.scalar(select(BadgeAward).where(BadgeAward.badge == slug))
    assert (award.user_id, award.answer_id, award.post_key) == (forum["bob"].id, post.id, post.id)


def test_repeatable_badges_once_per_post_and_never_twice(ctx, forum):
    crowd = voters(4)
    first, second = answer("bob", ask("alice")), answer("bob", ask("alice", "Scanner not found on Windows"))
    for post in (first, second):
        for voter in crowd[:3]:
            voting.vote_answer(voter, post, 1)
    voting.vote_answer(crowd[0], first, 0)  # drops to 2 …
    voting.vote_answer(crowd[3], first, 1)  # … and back to 3: still one Explainer for it
    assert held("bob").count(("explainer", first.id)) == 1
    assert ("explainer", second.id) in held("bob")
    db.session.expire_all()
    assert user("bob").bronze_badges == len([b for b in held("bob") if BY_SLUG[b[0]].tier == "bronze"])


def test_student_needs_a_question_score_of_one(ctx, forum):
    thread = ask("alice")
    crowd = voters(2)
    voting.vote_thread(crowd[0], thread, -1)
    voting.vote_thread(crowd[1], thread, 1)
    assert "student" not in slugs("alice")  # score 0
    voting.vote_thread(crowd[0], thread, 0)
    assert held("alice") == [("student", 0)]
    award = db.session.scalar(select(BadgeAward))
    assert award.thread_id == thread.id and award.answer_id is None


def test_helper_supporter_editor(ctx, forum):
    thread = ask("alice")
    assert "helper" not in slugs("bob")
    post = answer("bob", thread)
    assert "helper" in slugs("bob")
    voting.vote_answer(user("alice"), post, -1)
    assert "supporter" not in slugs("alice")
    voting.vote_answer(user("alice"), post, 1)
    assert "supporter" in slugs("alice")
    assert "editor" not in slugs("alice")
    posting.edit_question(user("alice"), thread, posting.QuestionDraft(thread.title, "Now with more detail, sorry.",
                                                                       "printers", []))
    assert "editor" in slugs("alice")


def test_staff_earn_no_badges(make, ctx, forum):
    make.user("sam", role="staff")
    post = answer("sam", ask("alice"))
    for voter in voters(3):
        voting.vote_answer(voter, post, 1)
    assert held("sam") == []


def accept_many(count: int, *, escalate: bool = False) -> None:
    """`count` questions by alice answered by bob and accepted."""
    for n in range(count):
        thread = ask("alice", f"Printer question number {n}")
        if escalate:
            thread.escalated_at = thread.created_at
            db.session.commit()
        post = answer("bob", thread)
        resolution.accept(user("alice"), thread, post.id)


@pytest.mark.parametrize("slug, threshold", [("solver", 1), ("problem-solver", 10), ("guru", 50)])
def test_accepted_answer_badges_at_threshold_and_one_below(ctx, forum, slug, threshold):
    accept_many(threshold - 1, escalate=True)
    assert slug not in slugs("bob")
    accept_many(1, escalate=True)
    assert slug in slugs("bob")
    assert "community-save" not in slugs("bob")


@pytest.mark.parametrize("slug, threshold", [("community-save", 5), ("pillar", 25)])
def test_community_save_badges_at_threshold_and_one_below(ctx, forum, slug, threshold):
    accept_many(threshold - 1)
    assert slug not in slugs("bob")
    accept_many(1)
    assert slug in slugs("bob")


def test_an_unaccepted_answer_does_not_count_twice(ctx, forum):
    thread = ask("alice")
    post = answer("bob", thread)
    resolution.accept(user("alice"), thread, post.id)
    resolution.unaccept(user("alice"), thread)
    resolution.accept(user("alice"), thread, post.id)
    assert held("bob").count(("solver", 0)) == 1


@pytest.mark.parametrize("minutes, earned", [(15, True), (16, False)])
def test_quick_draw(ctx, forum, frozen_clock, minutes, earned):
    thread = ask("alice")
    frozen_clock.advance(minutes=minutes)
    post = answer("bob", thread)
    frozen_clock.advance(hours=3)
    resolution.accept(user("alice"), thread, post.id)
    assert ("quick-draw" in slugs("bob")) is earned


def test_quick_draw_needs_the_first_answer(make, ctx, forum, frozen_clock):
    make.user("carla")
    thread = ask("alice")
    frozen_clock.advance(minutes=2)
    answer("carla", thread)
    frozen_clock.advance(minutes=2)
    post = answer("bob", thread)
    resolution.accept(user("alice"), thread, post.id)
    assert "quick-draw" not in slugs("bob")


@pytest.mark.parametrize("hours, earned", [(24, True), (25, False)])
def test_thankful(ctx, forum, frozen_clock, hours, earned):
    thread = ask("alice")
    post = answer("bob", thread)
    frozen_clock.advance(hours=hours)
    resolution.accept(user("alice"), thread, post.id)
    assert ("thankful" in slugs("alice")) is earned


def test_citizen_patrol_from_upheld_flags(ctx, forum):
    thread = ask("bob")
    events.announce("flag_resolved", thread_id=thread.id, actor_id=None, answer_id=None, flag_ids=[3],
                    upheld=False, flagger_ids=[forum["alice"].id])
    db.session.commit()
    assert "citizen-patrol" not in slugs("alice")
    events.announce("flag_resolved", thread_id=thread.id, actor_id=None, answer_id=None, flag_ids=[4],
                    upheld=True, flagger_ids=[forum["alice"].id])
    db.session.commit()
    assert held("alice") == [("citizen-patrol", 0)]
    assert db.session.scalar(select(BadgeAward.thread_id)) == thread.id


def test_knowledge_builder_at_the_thousandth_view_of_a_resolved_question(ctx, forum):
    thread = ask("alice")
    post = answer("bob", thread)
    resolution.accept(user("alice"), thread, post.id)
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(view_count=998))
    db.session.commit()
    knowledge_base.count_view(thread.id)
    assert "knowledge-builder" not in slugs("alice")
    knowledge_base.count_view(thread.id)
    assert ("knowledge-builder", thread.id) in held("alice")


def test_regular_after_thirty_different_days(ctx, forum, frozen_clock):
    alice = forum["alice"].id
    for _day in range(29):
        assert badges.record_visit(alice)
        assert not badges.record_visit(alice)
        frozen_clock.advance(days=1)
    assert "regular" not in slugs("alice")
    badges.record_visit(alice)
    assert "regular" in slugs("alice")


def test_an_award_is_announced_for_notifications(ctx, forum):
    answer("bob", ask("alice"))
    announced = db.session.execute(select(DomainEvent.user_id, DomainEvent.payload)
                                   .where(DomainEvent.kind == "badge_awarded")).all()
    assert announced == [(forum["bob"].id, {"badge": "helper", "tier": "bronze", "answer_id": announced[0][1]
                                            ["answer_id"]})]


def _random_history(rng: random.Random, frozen_clock) -> None:
    """A community's month: questions, answers, votes that change, acceptances that move, edits, visits."""
    members = voters(14, "member")
    threads, answers = [], []
    for step in range(260):
        frozen_clock.advance(minutes=rng.randint(1, 40))
        actor = rng.choice(members)
        roll = rng.random()
        if roll < 0.12 or not threads:
            threads.append(posting.ask(actor, posting.QuestionDraft(f"Question number {step} about printers",
                                                                    "Some words about it.", "printers", [])))
        elif roll < 0.3:
            thread = rng.choice(threads)
            answers.append(posting.answer(actor, posting.visible_thread(thread.id), f"Answer {step} to it."))
        elif roll < 0.75 and answers:
            post = rng.choice(answers)
            if post.author_id != actor.id:
                voting.vote_answer(actor, post, rng.choice((1, 1, 1, 0, -1)))
        elif roll < 0.85:
            thread = rng.choice(threads)
            if thread.author_id != actor.id:
                voting.vote_thread(actor, thread, rng.choice((1, 1, 0, -1)))
        elif roll < 0.95 and answers:
            post = rng.choice(answers)
            thread = posting.visible_thread(post.thread_id)
            asker = db.session.get(User, thread.author_id)
            if rng.random() < 0.2 and thread.accepted_answer_id:
                resolution.unaccept(asker, thread)
            else:
                resolution.accept(asker, thread, post.id)
        elif roll < 0.97 and answers:
            post = rng.choice(answers)
            posting.edit_answer(db.session.get(User, post.author_id), post, f"Edited answer at step {step}.")
        else:
            badges.record_visit(actor.id)


def _award_set():
    return set(db.session.execute(select(BadgeAward.user_id, BadgeAward.badge, BadgeAward.post_key,
                                         BadgeAward.thread_id, BadgeAward.answer_id, BadgeAward.awarded_at)).tuples())


def test_backfill_awards_exactly_what_live_awarding_did_and_a_second_run_changes_nothing(ctx, forum, frozen_clock):
    _random_history(random.Random(9), frozen_clock)
    live = _award_set()
    live_counts = dict(list(db.session.execute(select(User.id, User.bronze_badges + User.silver_badges * 100))))
    assert len({award[1] for award in live}) >= 5, "the history should earn several kinds of badge"
    assert badges.backfill() == {badge.slug: 0 for badge in BADGES}

    db.session.execute(delete(BadgeAward))
    db.session.execute(update(User).values(gold_badges=0, silver_badges=0, bronze_badges=0))
    db.session.commit()
    gained = badges.backfill()
    assert sum(gained.values()) == len(live)
    assert _award_set() == live
    assert dict(list(db.session.execute(select(User.id, User.bronze_badges + User.silver_badges * 100)))) \
        == live_counts
    assert sum(badges.backfill().values()) == 0
    assert db.session.scalar(select(func.count(BadgeAward.id))) == len(live)


def test_backfill_dates_an_award_when_it_was_earned(ctx, forum, frozen_clock):
    post = answer("bob", ask("alice"))
    earned_at = frozen_clock.current
    db.session.execute(delete(BadgeAward))
    db.session.commit()
    frozen_clock.advance(days=40)
    badges.backfill()
    award = db.session.scalar(select(BadgeAward).where(BadgeAward.badge == "helper"))
    assert award.awarded_at == earned_at and award.answer_id == post.id
    assert frozen_clock.current - award.awarded_at == timedelta(days=40)
