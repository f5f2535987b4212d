"""Outage and warning announcements reach by e-mail only the users who opted in, once per announcement."""
from datetime import timedelta

from sqlalchemy import select, update

from app import clock
from app.extensions import db
from app.models import Announcement, Notification, User
from app.notifications.service import set_preference
from app.services import announcements
from tests.mail.conftest import html_of, text_of


def save(app, admin, title, severity, body="Logins fail for some customers; we are on it.", existing=None, **times):
    with app.app_context():
        draft = announcements.AnnouncementDraft(title, body, severity, times.get("starts_at"), times.get("ends_at"))
        row = db.session.get(Announcement, existing) if existing else None
        return announcements.save(db.session.get(User, admin.id), draft, row).id


def told(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                         .where(Notification.kind == "announcement")))


def opt_in(app, *users, channel="email"):
    with app.app_context():
        for user in users:
            set_preference(user.id, "announcements", channel)
        db.session.commit()


def test_an_outage_mails_those_who_opted_in_and_nobody_else(app, make, smtp, send_mail):
    admin, carla, bob = make.user("ada", role="admin"), make.user("carla"), make.user("bob")
    opt_in(app, carla)
    save(app, admin, "Login outage", "outage", body="Logins **fail** for some customers; we are on it.")
    assert told(app) == ["carla"]
    assert send_mail() == 1
    [message] = smtp.messages
    assert message["To"] == "carla@example.com"
    assert message["Subject"].strip() == "Outage: Login outage"
    assert "Logins fail for some customers" in text_of(message)
    assert "<strong>fail</strong>" in html_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not smtp.to("bob@example.com")


def test_an_announcement_is_told_once_however_often_it_is_edited(app, make, smtp, send_mail):
    admin, carla, dmitri = make.user("ada", role="admin"), make.user("carla"), make.user("dmitri")
    opt_in(app, carla)
    opt_in(app, dmitri, channel="app")
    first = save(app, admin, "Slow search", "info")
    assert told(app) == []
    save(app, admin, "Slow search", "warning", existing=first)
    save(app, admin, "Slow search, still investigating", "warning", existing=first)
    assert told(app) == ["carla", "dmitri"]
    send_mail()
    assert [m["Subject"].strip() for m in smtp.messages] == ["Warning: Slow search"]


def test_announcement_mail_is_in_the_recipients_language_and_ended_ones_tell_nobody(app, make, smtp, send_mail):
    admin, carla = make.user("ada", role="admin"), make.user("carla")
    opt_in(app, carla)
    with app.app_context():
        db.session.execute(update(User).where(User.id == carla.id).values(locale="de"))
        db.session.commit()
        now = clock.now()
    save(app, admin, "Past outage", "outage", starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    assert told(app) == []
    save(app, admin, "Wartung heute Nacht", "warning")
    send_mail()
    assert [m["Subject"].strip() for m in smtp.messages] == ["Warnung: Wartung heute Nacht"]


def test_the_notification_page_names_the_announcement(app, make, auth, client):
    admin, carla = make.user("ada", role="admin"), make.user("carla")
    opt_in(app, carla, channel="app")
    save(app, admin, "Login outage", "outage")
    auth.login("carla")
    assert "Service notice: “Login outage”." in client.get("/notifications").get_data(as_text=True)
