"""Account mails: e-mail confirmation, password reset, change notices, and "someone registered with your address".

These are not notifications (no preference can switch them off) and carry
no unsubscribe link. Links are signed (itsdangerous), expire and work once
(app/notifications/mail.py). The password-reset link is also bound to the
password it resets, so it dies as soon as the password changes by any way.
Messages never say whether an address has an account (no enumeration).

The auth area announces `user_registered`, `registration_email_taken`,
`password_changed` and `email_changed`; the dispatcher hands them to `handle`.
"""
import hashlib

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import DomainEvent, EmailConfirmation, User
from app.notifications import mail

SUBJECTS = {
    "confirm_email": _l("Please confirm your e-mail address"),
    "password_reset": _l("Reset your Peerdesk password"),
    "password_changed": _l("Your Peerdesk password was changed"),
    "email_changed": _l("The e-mail address of your Peerdesk account was changed"),
    "duplicate_registration": _l("Someone tried to register with your e-mail address"),
}
ACCOUNT_KINDS = frozenset({"user_registered", "password_changed", "email_changed", "registration_email_taken"})


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does: a reset link names the password it may replace."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _send(user: User, kind: str, dedupe_key: str, to_address: str | None = None, **context):
    with force_locale(user.locale or "en"):
        subject = str(SUBJECTS[kind])
    message = mail.queue(user, kind, dedupe_key, subject, f"account_{kind}",
                         login_url=mail.external_url("auth.login"),
                         reset_url=mail.external_url("notifications.forgot_password"), **context)
    if message is not None and to_address:
        message.to_address = to_address
    return message


def is_confirmed(user: User) -> bool:
    row = db.session.get(EmailConfirmation, user.id)
    return row is not None and row.email == user.email


def send_confirmation(user: User, dedupe_key: str | None = None):
    link = mail.account_link("notifications.confirm_email", "confirm-email", user, e=user.email)
    return _send(user, "confirm_email", dedupe_key or f"confirm:{user.id}:{clock.now().isoformat()}",
                 confirm_url=link, days=current_app.config["EMAIL_CONFIRMATION_DAYS"])


def send_password_reset(email: str) -> None:
    """Queue a reset link if an account has this address; silent otherwise (the page says the same either way)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower(),
                                                User.deleted_at.is_(None)))
    if user is None:
        return
    link = mail.account_link("notifications.reset_password", "password-reset", user, h=password_fingerprint(user))
    _send(user, "password_reset", f"reset:{user.id}:{clock.now().isoformat()}", reset_link=link,
          hours=current_app.config["PASSWORD_RESET_HOURS"])


def tell_owner_of_duplicate_registration(email: str) -> None:
    """For registration: mail the address's owner instead of telling the visitor the address is taken.

    Call it where registration finds the e-mail already in use, show the visitor
    the same "check your inbox" message as for a new account, and commit.
    """
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is not None:
        _send(user, "duplicate_registration", f"duplicate:{user.id}:{clock.now().date().isoformat()}")


def handle(event: DomainEvent) -> None:
    """Mails for the auth area's events (called by the dispatcher in its transaction)."""
    user = db.session.get(User, event.user_id) if event.user_id else None
    if user is None:
        return
    if event.kind == "user_registered" and current_app.config["EMAIL_CONFIRMATION"] != "off":
        send_confirmation(user, f"confirm:{user.id}:event:{event.id}")
    elif event.kind == "registration_email_taken":
        _send(user, "duplicate_registration", f"event:{event.id}:duplicate_registration")
    elif event.kind == "password_changed":
        _send(user, "password_changed", f"event:{event.id}:password_changed")
    elif event.kind == "email_changed":
        previous = (event.payload or {}).get("previous_email")
        if previous:
            _send(user, "email_changed", f"event:{event.id}:email_changed", to_address=previous,
                  new_email=user.email)
        if current_app.config["EMAIL_CONFIRMATION"] != "off":
            send_confirmation(user, f"confirm:{user.id}:event:{event.id}")


def confirm(user: User, email: str) -> None:
    """Record the confirmed address (the caller commits)."""
    row = db.session.get(EmailConfirmation, user.id)
    if row is None:
        db.session.add(EmailConfirmation(user_id=user.id, email=email, confirmed_at=clock.now()))
    else:
        row.email, row.confirmed_at = email, clock.now()
