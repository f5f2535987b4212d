"""Registration, authentication and API tokens."""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import ApiToken, Role, User
from app.services.errors import ValidationFailed

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
MIN_PASSWORD_LENGTH = 10
# Common passwords from public breach lists that would pass the length rule.
COMMON_PASSWORDS = frozenset({
    "1234567890", "123456789a", "qwertyuiop", "password12", "password123", "1q2w3e4r5t",
    "iloveyou12", "qwerty1234", "passw0rd12", "0987654321", "abcdefghij", "letmein123",
    "welcome123", "admin12345", "asdfghjkl1", "zxcvbnm123", "football12", "peerdesk123",
})


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    role: str = Role.MEMBER.value
    locale: str | None = None


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is too weak, or None: length and guessability, no composition rules."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return _("This password is too easy to guess.")
    if username and username.lower() in lowered:
        return _("The password must not contain the username.")
    return None


def _normalised_email(raw: str) -> str:
    return validate_email(raw, check_deliverability=False).normalized.lower()


def register(data: Registration) -> User:
    errors: dict[str, str] = {}
    username = (data.username or "").strip()
    if not USERNAME_PATTERN.match(username):
        errors["username"] = _("Use 3 to 32 letters, digits, dots, dashes or underscores.")
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors["username"] = _("This username is taken.")
    email = ""
    try:
        email = _normalised_email(data.email or "")
    except EmailNotValidError:
        errors["email"] = _("Enter a valid e-mail address.")
    if email and db.session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = _("An account with this e-mail address exists already.")
    problem = password_problem(data.password, username)
    if problem:
        errors["password"] = problem
    if data.role not in {role.value for role in Role}:
        errors["role"] = _("Unknown role.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    user = User(username=username, email=email, role=data.role, locale=data.locale, created_at=clock.now())
    user.set_password(data.password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(login: str, password: str) -> User | None:
    """The user for a username or e-mail and password, or None; banned users are refused."""
    login = (login or "").strip().lower()
    user = db.session.scalar(
        select(User).where((func.lower(User.username) == login) | (User.email == login))
    )
    if user is None or not user.check_password(password or "") or not user.is_active:
        return None
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, lifetime_hours: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=_token_digest(token),
                      created_at=clock.now(), expires_at=clock.now() + timedelta(hours=lifetime_hours))
    db.session.add(record)
    db.session.commit()
    return token, record


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= clock.now():
        return None
    return record.user if record.user.is_active else None


def revoke_token(token: str) -> bool:
    """Revoke a live token; False when it is unknown or already dead."""
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= clock.now():
        return False
    record.revoked_at = clock.now()
    db.session.commit()
    return True


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()
