"""Registration, authentication, login sessions and API tokens.

Every way in is revocable: a browser login is a `LoginSession` row that each
request checks, an API token is a row with `revoked_at`. `end_all_sessions`
ends both for one user at once (password change, ban, "log out everywhere").
"""
import functools
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock, events
from app.extensions import db
from app.models import ApiToken, LoginSession, Role, User
from app.services.errors import ValidationFailed
from app.services.login_throttle import LoginThrottle

log = logging.getLogger("peerdesk.accounts")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
#: zxcvbn's guessability score (0-4) a new password needs; 3 means about 10^8 guesses or more.
MIN_PASSWORD_SCORE = 3
#: zxcvbn refuses longer input; a password longer than this is judged by its beginning.
ZXCVBN_MAX_LENGTH = 72


@functools.cache
def breached_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of public breach corpora, as shipped by zxcvbn.

    zxcvbn is imported here and in `password_problem`, not at module level:
    its dictionaries are 12 MiB that a serving worker only needs once someone
    chooses a password.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    role: str = Role.MEMBER.value
    locale: str | None = None


def password_problem(password: str, username: str = "", email: str = "") -> str | None:
    """Why a password is too weak, or None (ASVS 2.1.1 and 2.1.7: length and guessability, no composition rules).

    Refused: fewer than 12 characters, a password from the breached list
    (whatever its case), and anything zxcvbn rates easy to guess, which also
    catches the list's words with digits, symbols or l33t spelling added
    ("Password1234!") and the user's own name or address.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    if username and username.lower() in password.lower():
        return _("The password must not contain the username.")
    if password.lower() in breached_passwords():
        return _("This password appears in lists of breached passwords. Please choose another one.")
    from zxcvbn import zxcvbn

    inputs = [value for value in (username, email, email.partition("@")[0], "peerdesk") if value]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        return _("This password is too easy to guess. A few unrelated words make a strong one.")
    return None


def _normalised_email(raw: str) -> str:
    return validate_email(raw, check_deliverability=False).normalized.lower()


class EmailTaken(ValidationFailed):
    """The address belongs to an account: told to admins (CLI), never to the public form."""


def register(data: Registration) -> User:
    """Create an account; ValidationFailed names every bad field, EmailTaken comes only when all else is fine."""
    errors: dict[str, str] = {}
    username = (data.username or "").strip()
    if not USERNAME_PATTERN.match(username):
        errors["username"] = _("Use 3 to 32 letters, digits, dots, dashes or underscores.")
    elif _username_taken(username):
        errors["username"] = _("This username is taken.")
    email = ""
    try:
        email = _normalised_email(data.email or "")
    except EmailNotValidError:
        errors["email"] = _("Enter a valid e-mail address.")
    problem = password_problem(data.password, username, email)
    if problem:
        errors["password"] = problem
    if data.role not in {role.value for role in Role}:
        errors["role"] = _("Unknown role.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise EmailTaken(_("Please correct the marked fields."),
                         {"email": _("An account with this e-mail address exists already.")})
    user = User(username=username, email=email, role=data.role, locale=data.locale, created_at=clock.now())
    user.set_password(data.password)
    db.session.add(user)
    try:
        db.session.flush()
        events.announce("user_registered", user_id=user.id)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        if _username_taken(username):
            raise ValidationFailed(_("Please correct the marked fields."),
                                   {"username": _("This username is taken.")}) from error
        raise EmailTaken(_("Please correct the marked fields."),
                         {"email": _("An account with this e-mail address exists already.")}) from error
    return user


def _username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None


def sign_up(data: Registration) -> User | None:
    """Public registration, which never tells whether an e-mail address has an account.

    Returns the new member, or None when the address is taken: then the
    owner is told through the `registration_email_taken` event (the mail
    module mails them), and the caller must answer exactly as for a new
    account. A password hash is computed either way, so both take as long.
    """
    try:
        return register(data)
    except EmailTaken:
        generate_password_hash(data.password or "")
        owner_id = db.session.scalar(select(User.id).where(User.email == _normalised_email(data.email)))
        events.announce("registration_email_taken", user_id=owner_id)
        db.session.commit()
        return None


@functools.cache
def _hash_of_nobody() -> str:
    """Checked when no account matches, so an unknown name costs as much time as a known one."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _throttled_account(user: User | None, login: str) -> str:
    """The account a login attempt counts against: its id, or the typed name when nobody has it."""
    if user is not None:
        return f"user-{user.id}"
    return "name-" + hashlib.sha256((login or "").strip().lower().encode()).hexdigest()


def _user_by_login(login: str) -> User | None:
    login = (login or "").strip().lower()
    if not login or len(login) > 254:
        return None
    return db.session.scalar(select(User).where((func.lower(User.username) == login) | (User.email == login)))


def authenticate(login: str, password: str, throttle: LoginThrottle | None = None) -> User | None:
    """The active user for a username or e-mail and password, or None.

    A password hash is checked whether or not the account exists, so the
    answer takes as long for an unknown name as for a real one. With a
    throttle, the attempt counts against the account first (raising
    TooManyLoginAttempts while it must wait).
    """
    user = _user_by_login(login)
    if throttle is None:
        return _verified(user, password)
    with throttle.attempt(_throttled_account(user, login)) as attempt:
        verified = _verified(user, password)
        if verified is not None:
            attempt.succeeded()
        return verified


def _verified(user: User | None, password: str) -> User | None:
    if user is None:
        check_password_hash(_hash_of_nobody(), password or "")
        return None
    if not user.check_password(password or "") or not user.is_active:
        return None
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: How long ended or expired logins stay listed in the database (not on the page) before they are deleted.
FINISHED_SESSIONS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class SessionLifetimes:
    """How long a login lasts without use (plain) and at most (remember me)."""

    idle: timedelta
    remembered: timedelta
    #: last_seen_at is written at most this often, so reading pages rarely writes.
    touch_every: timedelta = timedelta(minutes=10)


def start_session(user: User, *, remember: bool, lifetimes: SessionLifetimes,
                  user_agent: str = "", ip_address: str = "") -> str:
    """Record a new login and return its key; `user.get_id()` now names this session.

    The user's own logins that ended or expired over a month ago are deleted
    here, so the table stays small without a cleanup job.
    """
    key = secrets.token_urlsafe(32)
    now = clock.now()
    long_ago = now - FINISHED_SESSIONS_KEPT
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id,
        or_(LoginSession.ended_at < long_ago, LoginSession.expires_at < long_ago)))
    db.session.add(LoginSession(user_id=user.id, key_hash=_token_digest(key), remember=remember,
                                user_agent=(user_agent or "")[:200], ip_address=(ip_address or "")[:45],
                                created_at=now, last_seen_at=now,
                                expires_at=now + (lifetimes.remembered if remember else lifetimes.idle)))
    db.session.commit()
    user.login_key = key
    return key


def user_for_session(stored_id: str, lifetimes: SessionLifetimes, *, writing: bool = False) -> User | None:
    """The user of a live login session named by `<user id>:<key>`, or None (ended, expired, malformed, or the
    account is banned, suspended or deleted).

    One query, so pages cost no more than before. Only requests that write
    anyway (`writing`) record activity and slide an idle session's expiry,
    at most every `touch_every`: reading pages never writes to the database.
    """
    user_id, _sep, key = (stored_id or "").partition(":")
    if not user_id.isdigit() or not key or len(user_id) > 18:
        return None
    now = clock.now()
    found = db.session.execute(_USER_FOR_SESSION, {"user_id": int(user_id), "key_hash": _token_digest(key),
                                                   "now": now}).first()
    if found is None or not found[0].is_active:
        return None
    user, login_id, last_seen_at, remember = found
    user.login_key = key
    if writing and now - last_seen_at >= lifetimes.touch_every:
        _touch(login_id, remember, now, lifetimes)
    return user


# The login session's columns, not its entity: every signed-in request runs this, and building a
# LoginSession object that only `_touch` reads was a sixth of the login check. Built once, so each
# request only binds values to an already compiled statement.
_USER_FOR_SESSION = (
    select(User, LoginSession.id, LoginSession.last_seen_at, LoginSession.remember)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), LoginSession.key_hash == bindparam("key_hash"),
           LoginSession.ended_at.is_(None), LoginSession.expires_at > bindparam("now"))
)


def _touch(login_id: int, remember: bool, now, lifetimes: SessionLifetimes) -> None:
    """Best effort: a busy database must not turn a page view into an error."""
    values = {"last_seen_at": now}
    if not remember:
        values["expires_at"] = now + lifetimes.idle
    try:
        with db.engine.begin() as connection:
            connection.execute(update(LoginSession).where(LoginSession.id == login_id).values(**values))
    except OperationalError:
        log.warning("could not record activity of login session %s", login_id, exc_info=True)


def end_session(user: User) -> None:
    """Logout: end the session this request came with (its remember cookie dies with it)."""
    if user.login_key:
        db.session.execute(update(LoginSession)
                           .where(LoginSession.user_id == user.id, LoginSession.key_hash == _token_digest(user.login_key),
                                  LoginSession.ended_at.is_(None))
                           .values(ended_at=clock.now()))
    db.session.commit()


def session_id_for_key(user: User, key: str | None) -> int | None:
    if not key:
        return None
    return db.session.scalar(select(LoginSession.id).where(LoginSession.user_id == user.id,
                                                           LoginSession.key_hash == _token_digest(key)))


def end_session_by_id(user: User, session_id: int) -> bool:
    """End one of the user's own sessions from the sessions page; False when it is not theirs or not live."""
    result = db.session.execute(update(LoginSession)
                                .where(LoginSession.id == session_id, LoginSession.user_id == user.id,
                                       LoginSession.ended_at.is_(None))
                                .values(ended_at=clock.now()))
    db.session.commit()
    return result.rowcount == 1


def end_all_sessions(user: User) -> None:
    """End every login session and revoke every API token of `user`, in the caller's transaction.

    Call it from the service that bans, suspends or changes a password,
    before that service commits: the change and the revocation commit (or
    roll back) together. Every copied cookie, remember cookie and token of
    the user stops working with the next request.
    """
    now = clock.now()
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
                       .values(ended_at=now))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))


def log_out_everywhere(user: User) -> None:
    end_all_sessions(user)
    db.session.commit()


def live_sessions(user: User) -> list[LoginSession]:
    """The user's open browser logins, most recently used first."""
    return list(db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
                                   LoginSession.expires_at > clock.now())
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()).limit(100)))


def live_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > clock.now())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(100)))


def revoke_token_by_id(user: User, token_id: int) -> bool:
    result = db.session.execute(update(ApiToken)
                                .where(ApiToken.id == token_id, ApiToken.user_id == user.id,
                                       ApiToken.revoked_at.is_(None))
                                .values(revoked_at=clock.now()))
    db.session.commit()
    return result.rowcount == 1


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


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Check the current password, set the new one and end every session and token of the user."""
    if not user.check_password(current_password or ""):
        raise ValidationFailed(_("Please correct the marked fields."), {"current": _("This is not your current password.")})
    problem = password_problem(new_password, user.username, user.email)
    if problem:
        raise ValidationFailed(_("Please correct the marked fields."), {"password": problem})
    user.set_password(new_password)
    end_all_sessions(user)
    events.announce("password_changed", user_id=user.id, actor_id=user.id)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()
