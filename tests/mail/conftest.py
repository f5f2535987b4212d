"""A real SMTP server (aiosmtpd) started by the test, and helpers to read what it received."""
import email
import email.policy
import socket
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.models import MailMessage
from app.notifications import delivery


class Inbox:
    """Collects every message the SMTP server accepts; `fail_next` refuses the next N with a 451."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[SimpleNamespace] = []
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            self.fail_next -= 1
            return "451 4.3.0 Try again later"
        self.envelopes.append(SimpleNamespace(to=list(envelope.rcpt_tos), sender=envelope.mail_from))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    app.config.update(saved)
    controller.stop()


@pytest.fixture()
def send_mail(app):
    """Run the delivery worker once, as `flask mail deliver` does."""
    def run() -> int:
        with app.app_context():
            return delivery.deliver_due()
    return run


def outbox(app) -> list[MailMessage]:
    with app.app_context():
        rows = db.session.scalars(db.select(MailMessage).order_by(MailMessage.id)).all()
        db.session.expunge_all()
        return rows


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture(autouse=True)
def _no_confirmation_mails(request, app):
    """Outside the account-mail tests, registering users queues no confirmation mail to count around."""
    if request.module.__name__.endswith("test_account_mail"):
        yield
        return
    app.config["EMAIL_CONFIRMATION"] = "off"
    yield
    app.config["EMAIL_CONFIRMATION"] = "optional"
