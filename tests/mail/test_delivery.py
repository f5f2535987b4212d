"""The delivery worker: retries with back-off, a dead letter, no visible duplicate after a crash; .eml files."""
from datetime import timedelta
from pathlib import Path

import pytest

from app import clock
from app.extensions import db
from app.models import MailMessage
from app.notifications import delivery
from tests.mail.conftest import outbox


@pytest.fixture()
def answered(make):
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    make.answer(bob, thread_id)
    return thread_id


def test_a_failed_send_is_retried_after_a_back_off_then_delivered(app, frozen_clock, answered, smtp, send_mail):
    smtp.fail_next = 1
    assert send_mail() == 0
    [row] = outbox(app)
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error
    assert row.next_attempt_at == frozen_clock.current + timedelta(seconds=app.config["MAIL_RETRY_BASE_SECONDS"])
    assert send_mail() == 0, "not due before its back-off"
    frozen_clock.advance(seconds=app.config["MAIL_RETRY_BASE_SECONDS"])
    assert send_mail() == 1
    [row] = outbox(app)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.messages) == 1


def test_a_message_is_dead_after_the_last_attempt(app, frozen_clock, answered, smtp, send_mail):
    smtp.fail_next = 100
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
        send_mail()
        frozen_clock.advance(hours=2)
    [row] = outbox(app)
    assert (row.status, row.attempts) == ("dead", app.config["MAIL_MAX_ATTEMPTS"])
    assert send_mail() == 0 and smtp.messages == []


def test_a_crash_between_send_and_mark_resends_with_the_same_message_id(
        app, frozen_clock, answered, smtp, send_mail, monkeypatch):
    def crash(_row_id):
        raise SystemExit("worker killed after sending")

    monkeypatch.setattr(delivery, "mark_sent", crash)
    with pytest.raises(SystemExit):
        send_mail()
    monkeypatch.undo()
    assert send_mail() == 0, "the lease keeps a second worker off it meanwhile"
    frozen_clock.advance(seconds=app.config["MAIL_LEASE_SECONDS"] + 1)
    assert send_mail() == 1
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"] == outbox(app)[0].message_id


def test_two_workers_never_claim_the_same_message(app, answered):
    with app.app_context():
        first = delivery.claim_due()
        second = delivery.claim_due()
    assert len(first) == 1 and second == []


def test_without_smtp_each_message_becomes_an_eml_file(app, answered, tmp_path, send_mail, caplog):
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    try:
        with caplog.at_level("INFO", logger="peerdesk.mail"):
            assert send_mail() == 1
    finally:
        app.config["MAIL_FILE_DIR"] = ""
    [eml] = list(Path(tmp_path).glob("*.eml"))
    content = eml.read_bytes()
    assert b"To: alice@example.com" in content and b"List-Unsubscribe-Post" in content
    assert [record for record in caplog.records if "written to" in record.getMessage()]


def test_the_admin_page_lists_recent_mail(app, client, auth, make, answered):
    make.user("chief", role="admin")
    auth.login("chief")
    page = client.get("/staff/admin/mail")
    assert page.status_code == 200
    assert "alice@example.com" in page.get_data(as_text=True)
    row = outbox(app)[0]
    detail = client.get(f"/staff/admin/mail/{row.id}").get_data(as_text=True)
    assert row.message_id.replace("<", "&lt;").replace(">", "&gt;") in detail
    auth.logout()
    auth.login("bob")
    assert client.get("/staff/admin/mail").status_code in (403, 404)
