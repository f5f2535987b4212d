"""Accounts, roles, login sessions and API tokens."""
import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock
from app.extensions import db
from app.models.types import UTCDateTime


class Role(str, enum.Enum):
    MEMBER = "member"
    STAFF = "staff"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF.value, Role.MODERATOR.value, Role.ADMIN.value})


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    locale: Mapped[str | None] = mapped_column(String(8))
    # A cache of 1 + the reputation ledger's sum (app.services.reputation_ledger); shown beside the name.
    reputation: Mapped[int] = mapped_column(default=1)
    # Badge counts kept with each award, so every author name shows them without a query.
    gold_badges: Mapped[int] = mapped_column(default=0)
    silver_badges: Mapped[int] = mapped_column(default=0)
    bronze_badges: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Trust (app.domain.trust): stored, recomputed on the events that change it; staff may lock it.
    trust_level: Mapped[int] = mapped_column(default=0)
    trust_level_locked: Mapped[bool] = mapped_column(default=False)
    flags_upheld: Mapped[int] = mapped_column(default=0)
    flags_dismissed: Mapped[int] = mapped_column(default=0)
    # Sanctions (app.services.sanctions) copied here so the policy answers without a query.
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sanction_reason: Mapped[str | None] = mapped_column(String(500))
    last_sanction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the account was anonymised at its owner's request; posts stay, credited to "deleted user".
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: The login session this object was loaded for (set by the auth area); part of the id Flask-Login stores.
    login_key = None

    def get_id(self) -> str:
        """`<id>:<session key>`: the session cookie and the remember cookie name a revocable login session."""
        return f"{self.id}:{self.login_key}" if self.login_key else str(self.id)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        """Staff, moderators and admins all speak for the company."""
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_moderator(self) -> bool:
        return self.role in {Role.MODERATOR.value, Role.ADMIN.value}

    @property
    def is_active(self) -> bool:
        """Banned, currently suspended and deleted accounts cannot log in or use tokens."""
        if self.banned_at is not None or self.deleted_at is not None:
            return False
        return self.suspended_until is None or self.suspended_until <= clock.now()

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no tokens."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One browser login: ended on logout, password change, ban or "log out everywhere".

    The cookie holds the key; only its SHA-256 is stored. Every request checks
    that its row is neither ended nor expired, so a copied cookie or remember
    token dies with the row.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
