"""Warn, silence, suspend, ban and lift: what moderators do to accounts, each with a reason the user sees.

The current sanction is copied onto the user row (`silenced_until`,
`suspended_until`, `banned_at`, `sanction_reason`), which every request
loads anyway, so the policy refuses the next write at once, from a page, the
API or a socket, without a query; a suspension or ban also ends every login
session and API token (accounts.end_all_sessions) in the same transaction. Each sanction is also a `Sanction` row
(history), an audit row and a `user_sanctioned` event (the notifications
helper tells the user; the reputation ledger reverses vote fraud when
`vote_fraud` is set; app.services.trust recomputes the member's level).
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock, events, policy
from app.extensions import db
from app.models import Sanction, SanctionKind, User
from app.services import accounts, audit
from app.services.errors import Conflict, ValidationFailed

MAX_DAYS = 3650
KINDS = tuple(kind.value for kind in SanctionKind)


@dataclass(frozen=True)
class SanctionRequest:
    kind: str
    reason: str
    days: int | None = None
    vote_fraud: bool = False


def _validated(request: SanctionRequest) -> tuple[str, str, int | None]:
    errors = {}
    if request.kind not in KINDS:
        errors["kind"] = _("Use warn, silence, suspend or ban.")
    reason = (request.reason or "").strip() if isinstance(request.reason, str) else ""
    if not reason:
        errors["reason"] = _("Give the reason the member will see.")
    elif len(reason) > 500:
        errors["reason"] = _("Keep it under %(max)d characters.", max=500)
    days = request.days
    if request.kind in (SanctionKind.SILENCE.value, SanctionKind.SUSPEND.value):
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            errors["days"] = _("Give a number of days from 1 to %(max)d.", max=MAX_DAYS)
    else:
        days = None
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    return request.kind, reason, days


def _state(member: User) -> dict:
    return {"silenced_until": member.silenced_until.isoformat() if member.silenced_until else None,
            "suspended_until": member.suspended_until.isoformat() if member.suspended_until else None,
            "banned": member.banned_at is not None}


def sanction(actor: User, member: User, request: SanctionRequest) -> Sanction:
    policy.can_sanction(actor, member).enforce()
    kind, reason, days = _validated(request)
    now = clock.now()
    until = now + timedelta(days=days) if days else None
    before = _state(member)
    row = Sanction(user_id=member.id, kind=kind, reason=reason, created_at=now, ends_at=until,
                   created_by_id=actor.id, vote_fraud=bool(request.vote_fraud) and kind == SanctionKind.BAN.value)
    db.session.add(row)
    if kind != SanctionKind.WARN.value:
        member.sanction_reason = reason
        member.last_sanction_at = now
        if kind == SanctionKind.SILENCE.value:
            member.silenced_until = until
        elif kind == SanctionKind.SUSPEND.value:
            member.suspended_until = until
            accounts.end_all_sessions(member)
        else:
            member.banned_at = now
            accounts.end_all_sessions(member)
    db.session.flush()
    audit.record(actor, f"user_{kind}", target_user_id=member.id, reason=reason, before=before,
                 after=_state(member))
    payload = {"kind": kind, "until": until.isoformat() if until else None, "reason_id": row.id}
    if row.vote_fraud:
        payload["vote_fraud"] = True
    events.announce("user_sanctioned", actor_id=actor.id, user_id=member.id, **payload)
    db.session.commit()
    return row


def lift(actor: User, member: User, reason: str = "") -> User:
    """End every running silence, suspension and ban of the member."""
    policy.can_sanction(actor, member).enforce()
    now = clock.now()
    running = list(db.session.scalars(select(Sanction).where(
        Sanction.user_id == member.id, Sanction.lifted_at.is_(None), Sanction.kind != SanctionKind.WARN.value)))
    running = [row for row in running if row.ends_at is None or row.ends_at > now]
    if not running:
        raise Conflict(_("This member has no running sanction."))
    before = _state(member)
    for row in running:
        row.lifted_at, row.lifted_by_id = now, actor.id
    member.silenced_until = member.suspended_until = member.banned_at = None
    member.sanction_reason = None
    audit.record(actor, "sanction_lifted", target_user_id=member.id, reason=(reason or "").strip(), before=before,
                 after=_state(member))
    for row in running:
        events.announce("sanction_lifted", actor_id=actor.id, user_id=member.id, kind=row.kind,
                        until=row.ends_at.isoformat() if row.ends_at else None, reason_id=row.id,
                        **({"vote_fraud": True} if row.vote_fraud else {}))
    db.session.commit()
    return member


def history(member: User, limit: int = 20) -> list[Sanction]:
    return list(db.session.scalars(select(Sanction).where(Sanction.user_id == member.id)
                                   .order_by(Sanction.id.desc()).limit(limit)))
