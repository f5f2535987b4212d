"""Account mails: password reset (signed, expiring, single-use, no enumeration), e-mail confirmation, notices."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EmailConfirmation, MailMessage, User
from app.notifications import account_mail
from tests.conftest import PASSWORD
from tests.mail.conftest import outbox, text_of

LINK = re.compile(r"https?://[^\s\"<>]+")


def link_in(row: MailMessage, fragment: str) -> str:
    url = next(url for url in LINK.findall(row.text_body) if fragment in url)
    return "/" + url.split("/", 3)[3]


def mails(app, kind):
    return [row for row in outbox(app) if row.kind == kind]


def test_password_reset_works_once_and_ends_every_session(app, client, make, smtp, send_mail, frozen_clock):
    make.user("alice")
    response = client.post("/account/password/forgot", data={"email": "Alice@Example.com"})
    assert response.status_code == 200
    unknown = client.post("/account/password/forgot", data={"email": "nobody@example.com"})
    assert unknown.get_data(as_text=True) == response.get_data(as_text=True), "no user enumeration"
    send_mail()
    assert [m["To"] for m in smtp.messages if "Reset your Peerdesk password" in m["Subject"]] == [
        "alice@example.com"]
    url = link_in(mails(app, "password_reset")[0], "/account/password/reset/")
    assert client.get(url).status_code == 200
    weak = client.post(url, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 400
    assert client.post(url, data={"password": "a-brand-new-secret-9", "confirm": "a-brand-new-secret-9"}).status_code == 303
    assert client.post("/auth/login", data={"login": "alice", "password": "a-brand-new-secret-9"}).status_code == 302
    reused = client.post(url, data={"password": "another-secret-77", "confirm": "another-secret-77"})
    assert reused.status_code == 410
    send_mail()
    assert any("password was changed" in m["Subject"] for m in smtp.to("alice@example.com"))


def test_an_expired_or_tampered_reset_link_is_refused(app, client, make, frozen_clock):
    make.user("alice")
    client.post("/account/password/forgot", data={"email": "alice@example.com"})
    url = link_in(mails(app, "password_reset")[0], "/account/password/reset/")
    assert client.get(url[:-4] + "abcd").status_code == 400
    frozen_clock.advance(hours=app.config["PASSWORD_RESET_HOURS"], seconds=1)
    assert client.post(url, data={"password": "a-brand-new-secret-9", "confirm": "a-brand-new-secret-9"}
                       ).status_code == 410
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "alice")).check_password(PASSWORD)


def test_a_reset_link_dies_when_the_password_changes_another_way(app, client, make):
    alice = make.user("alice")
    client.post("/account/password/forgot", data={"email": "alice@example.com"})
    url = link_in(mails(app, "password_reset")[0], "/account/password/reset/")
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.set_password("changed-meanwhile-42")
        db.session.commit()
    assert client.get(url).status_code == 410


def test_registration_sends_a_confirmation_link(app, client, make, smtp, send_mail):
    make.user("alice")
    [row] = mails(app, "confirm_email")
    assert row.to_address == "alice@example.com"
    url = link_in(row, "/account/confirm/")
    assert client.get(url).status_code == 200
    with app.app_context():
        # By query, not by id: PostgreSQL sequences keep counting across the emptied tables.
        assert db.session.scalars(select(EmailConfirmation)).one().email == "alice@example.com"
    assert client.get(url).status_code == 410, "single use"
    assert client.get(url.replace("/confirm/", "/confirm/x")).status_code == 400


def test_an_expired_confirmation_link_is_refused(app, client, make, frozen_clock):
    make.user("alice")
    url = link_in(mails(app, "confirm_email")[0], "/account/confirm/")
    frozen_clock.advance(days=app.config["EMAIL_CONFIRMATION_DAYS"], seconds=1)
    assert client.get(url).status_code == 410


def test_required_confirmation_blocks_writes_until_confirmed(app, client, auth, make):
    make.category("printers")
    alice = make.user("alice")
    thread_id = make.thread(alice)
    app.config["EMAIL_CONFIRMATION"] = "required"
    try:
        auth.login("alice")
        blocked = client.post(f"/threads/{thread_id}/answers", data={"body": "An answer of enough length."})
        assert blocked.status_code == 403 and "confirm your e-mail" in blocked.get_data(as_text=True)
        client.get(link_in(mails(app, "confirm_email")[0], "/account/confirm/"))
        allowed = client.post(f"/threads/{thread_id}/answers", data={"body": "An answer of enough length."})
        assert allowed.status_code in (200, 302, 303)
    finally:
        app.config["EMAIL_CONFIRMATION"] = "optional"


def test_confirmation_off_sends_nothing(app, make):
    app.config["EMAIL_CONFIRMATION"] = "off"
    try:
        make.user("alice")
    finally:
        app.config["EMAIL_CONFIRMATION"] = "optional"
    assert mails(app, "confirm_email") == []


def test_changing_the_password_sends_a_notice(app, client, auth, make):
    make.user("alice")
    auth.login("alice")
    client.post("/auth/password", data={"current": PASSWORD, "password": "a-brand-new-secret-9",
                                        "confirm": "a-brand-new-secret-9"})
    assert [row.to_address for row in mails(app, "password_changed")] == ["alice@example.com"]


def test_an_email_change_notifies_the_old_address(app, make):
    from app import events

    alice = make.user("alice")
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.email = "alice.new@example.com"
        events.announce("email_changed", user_id=user.id, actor_id=user.id, previous_email="alice@example.com")
        db.session.commit()
    [notice] = mails(app, "email_changed")
    assert notice.to_address == "alice@example.com" and "alice.new@example.com" in notice.text_body
    assert [row.to_address for row in mails(app, "confirm_email")][-1] == "alice.new@example.com"


def test_a_duplicate_registration_mails_the_owner_instead(app, make):
    make.user("alice")
    with app.app_context():
        account_mail.tell_owner_of_duplicate_registration("ALICE@example.com")
        account_mail.tell_owner_of_duplicate_registration("nobody@example.com")
        db.session.commit()
    assert [row.to_address for row in mails(app, "duplicate_registration")] == ["alice@example.com"]


def test_signing_up_with_a_taken_address_mails_its_owner(app, make):
    from app.services import accounts

    make.user("alice")
    with app.app_context():
        assert accounts.sign_up(accounts.Registration("alice2", "alice@example.com", "a-brand-new-secret-9")) is None
    assert [row.to_address for row in mails(app, "duplicate_registration")] == ["alice@example.com"]
