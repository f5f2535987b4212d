"""Each kind of mail reaches the right person, in their language, with the right headers and links."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import MailMessage, Notification, User
from app.notifications import kinds
from app.notifications.service import Notice, deliver
from app.models import DomainEvent
from tests.mail.conftest import html_of, outbox, text_of

LINK = re.compile(r"https?://[^\s\"<>]+")


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


def set_locale(app, username, locale):
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(locale=locale))
        db.session.commit()


def notified(app, kind=None) -> list[tuple[str, str]]:
    with app.app_context():
        query = select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
        if kind:
            query = query.where(Notification.kind == kind)
        return sorted(db.session.execute(query).all())


@pytest.fixture()
def world(make):
    make.category("printers")
    return {name: make.user(name) for name in ("alice", "bob", "carla", "dmitri")} | {
        "sam": make.user("sam", role="staff")}


def test_a_new_answer_mails_the_asker_and_notifies_followers_but_not_the_answerer(app, world, make, smtp, send_mail):
    thread_id = make.thread(world["alice"])
    make.answer(world["carla"], thread_id, body="First idea: check the paper tray.")
    make.answer(world["bob"], thread_id, body="Unplug it for thirty seconds, then retry.")
    assert notified(app, "answered") == [("alice", "answered"), ("alice", "answered")]
    assert notified(app, "followed_answer") == [("carla", "followed_answer")]
    assert [kind for name, kind in notified(app) if name == "bob" and kind != "badge_awarded"] == []
    assert send_mail() == 2
    assert [message["To"] for message in smtp.messages] == ["alice@example.com", "alice@example.com"]
    message = smtp.messages[-1]
    # Flask-Mailman folds encoded subjects onto a continuation line; readers drop the fold's space.
    assert message["Subject"].strip() == "New answer to your question “Printer shows error E42”"
    assert "Unplug it for thirty seconds" in text_of(message) and "Unplug it for thirty seconds" in html_of(message)
    assert f"/threads/{thread_id}" in text_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<http")
    assert message["Message-ID"] == outbox(app)[-1].message_id
    assert message.is_multipart() and {part.get_content_type() for part in message.walk()} >= {
        "text/plain", "text/html"}


def test_mail_is_in_the_recipients_language_and_escapes_the_title(app, world, make, smtp, send_mail):
    set_locale(app, "alice", "de")
    thread_id = make.thread(world["alice"], title="Drucker <script>alert(1)</script> streikt")
    make.answer(world["sam"], thread_id, body="Bitte **Treiber** neu installieren.")
    send_mail()
    subjects = [message["Subject"].strip() for message in smtp.to("alice@example.com")]
    assert "Unser Support-Team hat „Drucker <script>alert(1)</script> streikt“ beantwortet" in subjects
    official = next(m for m in smtp.messages if "Support-Team" in m["Subject"])
    html = html_of(official)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>Treiber</strong>" in html


def test_the_resolution_check_mail_carries_yes_and_no_links(app, world, make, smtp, send_mail):
    thread_id = make.thread(world["alice"])
    make.answer(world["sam"], thread_id)
    send_mail()
    check = next(m for m in smtp.to("alice@example.com") if "Did this solve" in m["Subject"])
    urls = [url for url in links_in(text_of(check)) if "/notifications/resolution/" in url]
    assert len(urls) == 2
    assert len(set(urls)) == 2


def test_the_escalation_mail_names_the_staff_target(app, world, make, smtp, send_mail, frozen_clock):
    from app.services import sla

    make.category("billing", sla_minutes=30, staff_response_minutes=120)
    thread_id = make.thread(world["alice"], category="billing")
    with app.app_context():
        db.session.execute(update(User).where(User.username == "alice").values(locale="en"))
        db.session.commit()
        from app.models import NotificationPreference

        db.session.add(NotificationPreference(user_id=world["alice"].id, kind="my_question_status", channel="email"))
        db.session.commit()
    frozen_clock.advance(minutes=31)
    with app.app_context():
        assert sla.escalate_overdue_threads() == [thread_id]
    send_mail()
    escalated = next(m for m in smtp.to("alice@example.com") if "Our team is on" in m["Subject"])
    assert "Our team will answer within 2 hours." in text_of(escalated)


def test_mentions_notify_the_mentioned_user_unless_they_may_not_see_the_thread(app, world, make):
    thread_id = make.thread(world["alice"])
    make.answer(world["bob"], thread_id, body="I think @dmitri and @nobody know this printer well.")
    assert notified(app, "mentioned") == [("dmitri", "mentioned")]
    with app.app_context():
        from app.models import Thread

        db.session.execute(update(Thread).where(Thread.id == thread_id).values(visibility="hidden"))
        db.session.commit()
    make_answer_directly = make.answer
    with pytest.raises(Exception):
        make_answer_directly(world["bob"], thread_id, body="Ping @carla about this one again.")
    assert notified(app, "mentioned") == [("dmitri", "mentioned")]


@pytest.mark.parametrize("kind", sorted(kinds.GROUP_OF))
def test_preferences_are_honoured_for_every_kind(app, world, make, kind):
    """off: nothing; app: a row; digest: a row (mailed in the digest); email: a row and a mail."""
    thread_id = make.thread(world["alice"])
    with app.app_context():
        event = DomainEvent(kind="test", origin="test", thread_id=thread_id)
        db.session.add(event)
        db.session.flush()
        user = world["carla"]
        from app.notifications.service import set_preference

        outcome = {}
        for channel in kinds.CHANNELS:
            set_preference(user.id, kinds.GROUP_OF[kind], channel)
            db.session.flush()
            before_rows = db.session.scalar(select(db.func.count(Notification.id)))
            before_mail = db.session.scalar(select(db.func.count(MailMessage.id)))
            deliver(event, [Notice(user.id, kind, thread_id, {"badge": "helper"})])
            db.session.flush()
            event.id += 0
            outcome[channel] = (db.session.scalar(select(db.func.count(Notification.id))) - before_rows,
                                db.session.scalar(select(db.func.count(MailMessage.id))) - before_mail)
            db.session.execute(db.delete(MailMessage))
        db.session.rollback()
    assert outcome == {"email": (1, 1), "digest": (1, 0), "app": (1, 0), "off": (0, 0)}


def test_default_channels_follow_the_issue():
    assert {group for group, (channel, _label) in kinds.GROUPS.items() if channel == kinds.EMAIL} == {
        "answer_to_my_question", "official_answer", "resolution_check"}


def _accept(app, who, thread_id, answer_id=None):
    from app.models import Thread
    from app.services import resolution

    with app.app_context():
        user, thread = db.session.get(User, who.id), db.session.get(Thread, thread_id)
        if answer_id is None:
            resolution.unaccept(user, thread)
        else:
            resolution.accept(user, thread, answer_id)


def test_an_acceptance_is_told_once_however_often_it_is_repeated(app, world, make, smtp, send_mail):
    """Accepting the same answer again, or un-accepting and re-accepting it, tells nobody a second time;
    switching to a different answer is news for its author only (the thread stays resolved); un-accepting
    and then accepting a different answer resolves the thread anew, which followers hear."""
    from app.notifications.service import set_preference

    thread_id = make.thread(world["alice"])
    bobs = make.answer(world["bob"], thread_id)
    carlas = make.answer(world["carla"], thread_id, body="Try the other tray, it worked for me.")
    with app.app_context():
        set_preference(world["bob"].id, "my_answers", "email")
        db.session.commit()
    acceptance = ("answer_accepted", "resolved", "followed_status")
    told = lambda: [row for row in notified(app) if row[1] in acceptance]  # noqa: E731

    _accept(app, world["sam"], thread_id, bobs)
    first = told()
    assert first == [("alice", "resolved"), ("bob", "answer_accepted"), ("carla", "followed_status")]
    _accept(app, world["sam"], thread_id, bobs)
    _accept(app, world["alice"], thread_id)
    _accept(app, world["alice"], thread_id, bobs)
    assert told() == first
    send_mail()
    assert [m["Subject"].strip() for m in smtp.to("bob@example.com")] == [
        "Your answer on “Printer shows error E42” was accepted"]

    _accept(app, world["alice"], thread_id, carlas)
    switched = sorted(first + [("carla", "answer_accepted")])
    assert told() == switched
    _accept(app, world["alice"], thread_id)
    dmitris = make.answer(world["dmitri"], thread_id, body="Update the firmware first.")
    _accept(app, world["alice"], thread_id, dmitris)
    assert told() == sorted(switched + [("bob", "followed_status"), ("carla", "followed_status"),
                                        ("dmitri", "answer_accepted")])


def test_posting_an_answer_costs_the_same_queries_with_200_followers(app, world, make, count_queries):
    """The fan-out to followers runs in the dispatcher, never inside the answering request."""
    from sqlalchemy import insert

    from app.models import ThreadFollow
    from app.notifications import dispatcher

    quiet, followed = make.thread(world["alice"]), make.thread(world["alice"], title="Printer jams on page two")
    with app.app_context():
        db.session.execute(insert(User), [{"username": f"follower{n}", "email": f"f{n}@example.com",
                                           "password_hash": "x", "role": "member"} for n in range(200)])
        ids = db.session.scalars(select(User.id).where(User.username.like("follower%"))).all()
        db.session.execute(insert(ThreadFollow), [{"user_id": user_id, "thread_id": followed, "following": True}
                                                  for user_id in ids])
        db.session.commit()
    app.config["NOTIFY_DISPATCH_INLINE"] = False
    try:
        statements = {}
        make.answer(world["bob"], make.thread(world["dmitri"]), body="A first answer of bob's warms the caches.")
        for thread_id in (quiet, followed):
            make.answer(world["carla"], thread_id, body="Another answer, so both threads are answered.")
            with count_queries() as counter:
                make.answer(world["bob"], thread_id, body="Unplug it for thirty seconds, then retry.")
            statements[thread_id] = counter.statements
        with app.app_context():
            dispatcher.dispatch_all()
    finally:
        app.config["NOTIFY_DISPATCH_INLINE"] = True
    assert len(statements[quiet]) == len(statements[followed]), set(statements[quiet]) ^ set(statements[followed])
    assert len(notified(app, "followed_answer")) >= 400
