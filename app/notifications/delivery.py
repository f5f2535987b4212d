"""The delivery worker: sends the mail outbox with retries, back-off and a dead-letter state.

A batch is claimed with a lease (`claimed_until`) by one conditional
UPDATE, so two workers never send the same row at once; the lease also
covers a crash between sending and marking: the row becomes due again when
the lease runs out and is resent with the *same* Message-ID, which mail
clients show once. A failed send waits MAIL_RETRY_BASE_SECONDS × 2^(n-1)
(at most an hour) and is given up as `dead` after MAIL_MAX_ATTEMPTS.

SMTP comes from MAIL_SERVER & co. through Flask-Mailman. With no MAIL_SERVER
(the embedded default) each message is written as an .eml file under
MAIL_FILE_DIR and logged in one line, and /staff/admin/mail lists it.
"""
import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import or_, select, update

from app import clock
from app.extensions import db, mail
from app.models import MailMessage

log = logging.getLogger("peerdesk.mail")
BATCH = 50


def backoff_seconds(attempts: int) -> float:
    return min(current_app.config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0), 3600)


def build(row: MailMessage) -> EmailMultiAlternatives:
    headers = {"Message-ID": row.message_id, **(row.headers or {})}
    message = EmailMultiAlternatives(subject=row.subject, body=row.text_body,
                                     from_email=current_app.config["MAIL_FROM"], to=[row.to_address],
                                     headers=headers)
    message.attach_alternative(row.html_body, "text/html")
    return message


def _write_eml(row: MailMessage, message: EmailMultiAlternatives) -> Path:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.created_at:%Y%m%d-%H%M%S}-{row.id}.eml"
    path.write_bytes(message.message().as_bytes())
    return path


def smtp_connection():
    """One SMTP connection for a batch, or None when no SMTP server is configured (.eml files).

    Settings are read at each batch (not only at start-up), so the configuration table is the whole truth.
    """
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return None
    return mail.get_connection(backend="smtp", fail_silently=False, host=config["MAIL_SERVER"],
                               port=config["MAIL_PORT"], username=config["MAIL_USERNAME"] or None,
                               password=config["MAIL_PASSWORD"] or None, use_tls=config["MAIL_USE_TLS"],
                               use_ssl=config["MAIL_USE_SSL"], timeout=config["MAIL_TIMEOUT"])


def send(row: MailMessage, connection=None) -> None:
    """Hand one message to SMTP, or to an .eml file when no SMTP server is configured."""
    message = build(row)
    if connection is not None:
        if connection.connection is None:
            connection.open()  # kept open for the batch: send_messages only closes what it opened itself
        if not connection.send_messages([message]):
            raise RuntimeError("the SMTP server accepted nothing")
        log.info("mail %s to %s sent: %s", row.id, row.to_address, row.subject)
    else:
        path = _write_eml(row, message)
        log.info("mail %s to %s written to %s (no MAIL_SERVER): %s", row.id, row.to_address, path, row.subject)


def claim_due(batch: int = BATCH) -> list[int]:
    now = clock.now()
    lease = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    due = (select(MailMessage.id).where(
        MailMessage.status == "pending", MailMessage.next_attempt_at <= now,
        or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now))
        .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(batch).with_for_update(skip_locked=True))
    ids = db.session.scalars(
        update(MailMessage).where(MailMessage.id.in_(due), MailMessage.status == "pending",
                                  or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now))
        .values(claimed_until=lease, attempts=MailMessage.attempts + 1)
        .returning(MailMessage.id).execution_options(synchronize_session=False)).all()
    db.session.commit()
    return sorted(ids)


def mark_sent(row_id: int) -> None:
    db.session.execute(update(MailMessage).where(MailMessage.id == row_id)
                       .values(status="sent", sent_at=clock.now(), claimed_until=None, last_error=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def mark_failed(row: MailMessage, error: Exception) -> None:
    dead = row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    values = {"claimed_until": None, "last_error": f"{type(error).__name__}: {error}"[:500]}
    if dead:
        values["status"] = "dead"
        log.error("mail %s to %s is dead after %s attempts: %s", row.id, row.to_address, row.attempts, error)
    else:
        values["next_attempt_at"] = clock.now() + timedelta(seconds=backoff_seconds(row.attempts))
        log.warning("mail %s to %s failed (attempt %s), retrying: %s", row.id, row.to_address, row.attempts, error)
    db.session.execute(update(MailMessage).where(MailMessage.id == row.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def deliver_due(batch: int = BATCH) -> int:
    """Send every due message (in batches); returns how many were sent."""
    sent = 0
    while True:
        ids = claim_due(batch)
        connection = smtp_connection() if ids else None
        try:
            for row_id in ids:
                row = db.session.get(MailMessage, row_id)
                try:
                    send(row, connection)
                except Exception as error:  # an SMTP server can fail in many ways; each is retried
                    db.session.rollback()
                    mark_failed(row, error)
                    if connection is not None:
                        connection.close()  # a broken session is reopened for the next message
                    continue
                mark_sent(row_id)
                sent += 1
        finally:
            if connection is not None:
                connection.close()
        if len(ids) < batch:
            return sent
