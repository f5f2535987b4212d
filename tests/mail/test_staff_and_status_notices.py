"""Staff hear of what is theirs (assignments, department hand-overs, breached staff targets, "not solved"),
and askers and followers hear when a thread is auto-resolved."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Department, Notification, Thread, User
from app.notifications import breaches
from app.notifications.service import set_preference
from app.services import resolution_check, sla, staff_queue


def told(app, kind) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted(db.session.execute(
            select(User.username, Notification.thread_id).join(User, User.id == Notification.user_id)
            .where(Notification.kind == kind)).all())


@pytest.fixture()
def world(make):
    make.category("printers", sla_minutes=60, staff_response_minutes=30)
    return {"alice": make.user("alice"), "bob": make.user("bob"), "sam": make.user("sam", role="staff"),
            "tara": make.user("tara", role="staff")}


def as_user(world, name):
    return db.session.get(User, world[name].id)


def test_an_assignment_tells_the_assignee_but_a_claim_tells_nobody(app, world, make):
    thread_id = make.thread(world["alice"])
    with app.app_context():
        staff_queue.claim(as_user(world, "sam"), thread_id)
        staff_queue.assign(as_user(world, "sam"), thread_id, "tara")
    assert told(app, "assigned") == [("tara", thread_id)]


def test_department_members_hear_a_hand_over_and_the_escalator_hears_it_come_back(app, world, make):
    with app.app_context():
        db.session.add(Department(slug="billing-team", name="Billing team",
                                  members=[as_user(world, "tara"), as_user(world, "sam")]))
        db.session.commit()
    thread_id = make.thread(world["alice"])
    with app.app_context():
        staff_queue.escalate_to_department(as_user(world, "sam"), thread_id, "billing-team", "Refund question.")
    assert told(app, "department_escalated") == [("tara", thread_id)]
    with app.app_context():
        staff_queue.return_from_department(as_user(world, "tara"), thread_id, "Refund approved.")
    assert told(app, "department_returned") == [("sam", thread_id)]


def test_a_hand_over_mail_never_quotes_the_internal_note(app, world, make, smtp, send_mail):
    from tests.mail.conftest import html_of, text_of

    with app.app_context():
        db.session.add(Department(slug="billing-team", name="Billing team", members=[as_user(world, "tara")]))
        set_preference(world["tara"].id, "staff_work", "email")
        db.session.commit()
    thread_id = make.thread(world["alice"])
    with app.app_context():
        staff_queue.escalate_to_department(as_user(world, "sam"), thread_id, "billing-team",
                                           "Internal: customer owes 512 EUR, do not refund.")
    send_mail()
    [message] = smtp.to("tara@example.com")
    assert message["Subject"].strip() == "“Printer shows error E42” was handed to your department"
    assert "512 EUR" not in text_of(message) and "512 EUR" not in html_of(message)


def test_the_assignee_hears_once_when_their_thread_breaches_its_staff_target(app, world, make, frozen_clock):
    mine = make.thread(world["alice"], title="Printer offline since Monday")
    unassigned = make.thread(world["alice"], title="Printer prints blank pages")
    frozen_clock.advance(minutes=61)
    with app.app_context():
        assert sorted(sla.escalate_overdue_threads()) == [mine, unassigned]
        staff_queue.claim(as_user(world, "tara"), mine)
    frozen_clock.advance(minutes=29)
    with app.app_context():
        assert breaches.announce_breaches() == []
    frozen_clock.advance(minutes=2)
    with app.app_context():
        assert breaches.announce_breaches() == [mine]
        assert breaches.announce_breaches() == []
    assert told(app, "staff_target_breached") == [("tara", mine)]


def test_a_thread_escalated_again_can_breach_again(app, world, make, frozen_clock):
    thread_id = make.thread(world["alice"])
    frozen_clock.advance(minutes=61)
    with app.app_context():
        sla.escalate_overdue_threads()
        staff_queue.claim(as_user(world, "tara"), thread_id)
    frozen_clock.advance(minutes=31)
    with app.app_context():
        assert breaches.announce_breaches() == [thread_id]
    make.answer(world["tara"], thread_id, body="Please reinstall the driver from our site.")
    frozen_clock.advance(minutes=5)
    with app.app_context():
        resolution_check.report_not_solved(as_user(world, "alice"), db.session.get(Thread, thread_id))
        assert breaches.announce_breaches() == []
    frozen_clock.advance(minutes=31)
    with app.app_context():
        assert breaches.announce_breaches() == [thread_id]
    assert told(app, "staff_target_breached") == [("tara", thread_id), ("tara", thread_id)]


def test_the_worker_pass_announces_breaches(app, world, make, frozen_clock, runner):
    thread_id = make.thread(world["alice"])
    frozen_clock.advance(minutes=61)
    with app.app_context():
        sla.escalate_overdue_threads()
        staff_queue.claim(as_user(world, "sam"), thread_id)
    frozen_clock.advance(minutes=31)
    assert runner.invoke(args=["mail", "worker", "--once"]).exit_code == 0
    assert told(app, "staff_target_breached") == [("sam", thread_id)]


def test_not_solved_tells_the_staff_who_answered_but_not_community_answerers(app, world, make):
    thread_id = make.thread(world["alice"])
    make.answer(world["bob"], thread_id, body="Try turning it off and on.")
    make.answer(world["sam"], thread_id, body="Please reinstall the driver from our site.")
    with app.app_context():
        resolution_check.report_not_solved(as_user(world, "alice"), db.session.get(Thread, thread_id))
    assert told(app, "not_solved") == [("sam", thread_id)]


def test_auto_resolution_tells_the_asker_and_followers(app, world, make, frozen_clock):
    thread_id = make.thread(world["alice"])
    make.answer(world["bob"], thread_id, body="Try turning it off and on.")
    make.answer(world["sam"], thread_id, body="Please reinstall the driver from our site.")
    frozen_clock.advance(days=7)
    with app.app_context():
        assert sla.run_scheduled_work().auto_resolved == [thread_id]
    assert told(app, "auto_resolved") == [("alice", thread_id)]
    assert told(app, "followed_status") == [("bob", thread_id), ("sam", thread_id)]


def test_reputation_milestones_are_told_once_each(app, world, make):
    from app.models import Answer
    from app.services import voting

    make.user("carla")
    make.user("dmitri")
    thread_id = make.thread(world["alice"])
    answer_id = make.answer(world["bob"], thread_id)

    def vote(name, value=1):
        with app.app_context():
            voter = db.session.scalar(select(User).where(User.username == name))
            voting.vote_answer(voter, db.session.get(Answer, answer_id), value)

    def milestones():
        with app.app_context():
            return [(user, detail["milestone"]) for user, detail in db.session.execute(
                select(User.username, Notification.detail).join(User, User.id == Notification.user_id)
                .where(Notification.kind == "reputation_milestone").order_by(Notification.id))]

    vote("alice")                      # 1 + 10 = 11: the first milestone
    assert milestones() == [("bob", 10)]
    vote("carla")                      # 21
    vote("carla", 0)                   # back to 11
    vote("carla")                      # 21 again: nothing new
    assert milestones() == [("bob", 10)]
    with app.app_context():
        from app.services import resolution

        resolution.accept(as_user(world, "alice"), db.session.get(Thread, thread_id), answer_id)  # 36
        vote("dmitri")                 # 46
        vote("sam")                    # staff votes count too: 56
    assert milestones() == [("bob", 10), ("bob", 50)]


def test_two_votes_handled_at_once_tell_a_milestone_once(app, world, make):
    """Two workers each see the other's notification only after it commits; the claim is seen at once."""
    from sqlalchemy import update

    from app.models import DomainEvent
    from app.notifications import service

    thread_id = make.thread(world["alice"])
    with app.app_context():
        bob_id = world["bob"].id
        db.session.execute(update(User).where(User.id == bob_id).values(reputation=12))
        votes = [DomainEvent(kind="voted", thread_id=thread_id, actor_id=voter.id, payload={"author_id": bob_id})
                 for voter in (world["alice"], world["sam"])]
        told = [notice for event in votes for notice in service.notices_for(event)
                if notice.kind == "reputation_milestone"]
        db.session.rollback()
    assert [(notice.user_id, notice.detail) for notice in told] == [(bob_id, {"milestone": 10})]


def statuses(app) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted((user, (detail or {}).get("status")) for user, detail in db.session.execute(
            select(User.username, Notification.detail).join(User, User.id == Notification.user_id)
            .where(Notification.kind == "followed_status")))


def test_followers_hear_a_thread_closed_as_a_duplicate_and_the_asker_too(app, world, make, smtp, send_mail):
    from app.services import knowledge_base

    original = make.thread(world["alice"], title="Printer offline since Monday")
    duplicate = make.thread(world["alice"], title="Printer offline again")
    make.answer(world["bob"], duplicate, body="Same as the other question, I think.")
    with app.app_context():
        knowledge_base.close_as_duplicate(as_user(world, "sam"), db.session.get(Thread, duplicate), original)
    assert told(app, "closed") == [("alice", duplicate)]
    assert statuses(app) == [("bob", "closed")]
    with app.app_context():
        set_preference(world["bob"].id, "followed_threads", "email")
        db.session.commit()
    make.answer(world["bob"], original, body="Unplug it for thirty seconds, then retry.")
    third = make.thread(world["alice"], title="Printer offline, third time")
    with app.app_context():
        knowledge_base.close_as_duplicate(as_user(world, "sam"), db.session.get(Thread, original), third)
    send_mail()
    assert [m["Subject"].strip() for m in smtp.to("bob@example.com")] == [
        "“Printer offline since Monday” was closed as a duplicate"]


def test_followers_hear_a_thread_reopened_by_not_solved_and_staff_answerers_only_once(app, world, make):
    thread_id = make.thread(world["alice"])
    make.answer(world["bob"], thread_id, body="Try turning it off and on.")
    make.answer(world["sam"], thread_id, body="Please reinstall the driver from our site.")
    with app.app_context():
        resolution_check.report_not_solved(as_user(world, "alice"), db.session.get(Thread, thread_id))
    assert statuses(app) == [("bob", "reopened")]
    assert told(app, "not_solved") == [("sam", thread_id)]
