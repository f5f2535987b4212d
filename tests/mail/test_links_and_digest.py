"""Links in mails: one-click unsubscribe and signed Yes/No answers; the digest; preferences, follows and the API."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MailMessage, Notification, NotificationPreference, Thread, ThreadFollow
from app.notifications.digest import send_digests
from tests.mail.conftest import outbox, text_of

LINK = re.compile(r"https?://[^\s\"<>]+")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture()
def staff_answered(make, frozen_clock):
    make.category("printers")
    alice, sam = make.user("alice"), make.user("sam", role="staff")
    thread_id = make.thread(alice)
    make.answer(sam, thread_id, body="Please reinstall the driver, then restart.")
    return thread_id


def resolution_urls(app) -> dict:
    row = next(row for row in outbox(app) if row.kind == "resolution_check")
    urls = [path_of(url) for url in LINK.findall(row.text_body) if "/notifications/resolution/" in url]
    return {"yes": urls[0], "no": urls[1]}


def thread_status(app, thread_id):
    with app.app_context():
        return db.session.get(Thread, thread_id).status


def test_yes_resolves_the_thread_without_logging_in_and_works_once(app, client, staff_answered):
    urls = resolution_urls(app)
    page = client.get(urls["yes"])
    assert page.status_code == 200 and "Yes, solved" in page.get_data(as_text=True)
    assert thread_status(app, staff_answered) == "answered", "a GET (a mail scanner) changes nothing"
    assert client.post(urls["yes"]).status_code == 200
    assert thread_status(app, staff_answered) == "resolved"
    again = client.post(urls["yes"])
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert client.post(urls["no"]).status_code == 410, "Yes and No share one use"


def test_no_reopens_and_puts_the_thread_back_in_the_queue(app, client, staff_answered):
    urls = resolution_urls(app)
    assert client.post(urls["no"], data={"comment": "Still jams."}).status_code == 200
    with app.app_context():
        thread = db.session.get(Thread, staff_answered)
        assert thread.needs_staff and thread.priority >= 1


def test_an_expired_link_is_refused(app, client, staff_answered, frozen_clock):
    urls = resolution_urls(app)
    frozen_clock.advance(days=app.config["RESOLUTION_LINK_DAYS"], seconds=1)
    response = client.post(urls["yes"])
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert thread_status(app, staff_answered) == "answered"


@pytest.mark.parametrize("tamper", [
    lambda url: url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"),
    lambda url: url.replace("/resolution/", "/resolution/x"),
])
def test_a_tampered_link_is_refused(app, client, staff_answered, tamper):
    response = client.post(tamper(resolution_urls(app)["yes"]))
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    assert thread_status(app, staff_answered) == "answered"


def test_one_click_unsubscribe_stops_that_kind_of_mail(app, client, make, frozen_clock):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    make.answer(bob, thread_id)
    [row] = [row for row in outbox(app) if row.kind == "answered"]
    url = path_of(row.headers["List-Unsubscribe"].strip("<>"))
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    make.answer(bob, thread_id, body="Another idea: a firmware update helps.")
    assert [row.kind for row in outbox(app)] == ["answered"]
    with app.app_context():
        assert db.session.scalar(select(Notification.id).where(Notification.kind == "answered")
                                 .order_by(Notification.id.desc()).limit(1)), "still told in the app"
    assert client.post(url[:-2] + "xx").status_code == 404


def test_unfollowing_from_a_followed_thread_mail(app, client, make):
    make.category("printers")
    alice, bob, carla = make.user("alice"), make.user("bob"), make.user("carla")
    thread_id = make.thread(alice)
    make.answer(carla, thread_id)
    with app.app_context():
        db.session.add(NotificationPreference(user_id=carla.id, kind="followed_threads", channel="email"))
        db.session.commit()
    make.answer(bob, thread_id, body="Try the other tray, it worked for me.")
    row = next(row for row in outbox(app) if row.kind == "followed_answer")
    client.post(path_of(row.headers["List-Unsubscribe"].strip("<>")))
    with app.app_context():
        assert db.session.get(ThreadFollow, (carla.id, thread_id)).following is False


def test_the_digest_is_sent_once_per_user_and_day(app, make, frozen_clock):
    make.category("printers")
    alice, bob, carla = make.user("alice"), make.user("bob"), make.user("carla")
    thread_id = make.thread(alice)
    make.answer(carla, thread_id)
    make.answer(bob, thread_id, body="Another answer for the followers here.")
    with app.app_context():
        assert send_digests() >= 1
        assert send_digests() == 0
    [digest] = [row for row in outbox(app) if row.kind == "digest" and row.to_address == "carla@example.com"]
    assert digest.to_address == "carla@example.com" and "a question you follow" in digest.text_body
    frozen_clock.advance(days=1)
    make.answer(bob, thread_id, body="A third answer, the next day.")
    with app.app_context():
        assert send_digests() >= 1


def test_members_follow_and_unfollow_from_the_page(app, client, auth, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    auth.login("bob")
    assert "Follow this question" in client.get(f"/threads/{thread_id}").get_data(as_text=True)
    client.post(f"/threads/{thread_id}/follow", data={"follow": "yes"})
    assert "Following" in client.get(f"/threads/{thread_id}").get_data(as_text=True)
    client.post(f"/threads/{thread_id}/follow", data={"follow": "no"})
    with app.app_context():
        assert db.session.get(ThreadFollow, (bob.id, thread_id)).following is False


def test_preferences_page_saves_every_group(app, client, auth, make):
    from app.notifications import kinds

    make.user("alice")
    auth.login("alice")
    assert client.get("/notifications/preferences").status_code == 200
    choice = {group: "off" for group in kinds.GROUPS if group not in kinds.STAFF_GROUPS}
    assert client.post("/notifications/preferences", data=choice).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(NotificationPreference)) == len(choice)
    assert client.post("/notifications/preferences", data={**choice, "mentions": "loud"}).status_code == 400


def test_the_notifications_api_lists_and_marks_read(app, api, make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    make.answer(bob, thread_id)
    token = api.token("alice")
    listing = api.call("GET", "/api/v1/notifications", token).get_json()
    assert listing["unread"] == 1 and listing["items"][0]["kind"] == "answered"
    assert listing["items"][0]["thread_id"] == thread_id
    marked = api.call("POST", "/api/v1/notifications/read", token, json={"ids": [listing["items"][0]["id"]]})
    assert marked.get_json() == {"marked": 1, "unread": 0}
    assert api.call("POST", "/api/v1/notifications/read", token, json={"ids": "all"}).status_code == 400
    assert api.call("GET", "/api/v1/notifications").status_code == 401
    assert api.call("GET", "/api/v1/notifications?per_page=1000", token).status_code == 400
