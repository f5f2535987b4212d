"""Canned replies: staff-managed answer templates with {asker} and {thread_title} placeholders.

Placeholders are replaced with plain `str.replace`, never `str.format`, so a
template cannot reach attributes through format syntax, and an unknown
`{word}` stays as typed.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import CannedReply, Thread, User
from app.services.errors import NotFound, ValidationFailed
from app.services.staff_queue import require_staff

PLACEHOLDERS = ("{asker}", "{thread_title}")


def fill(template: str, thread: Thread) -> str:
    return template.replace("{asker}", thread.author.username).replace("{thread_title}", thread.title)


def all_replies() -> list[CannedReply]:
    return list(db.session.scalars(select(CannedReply).order_by(CannedReply.title, CannedReply.id)))


def get(reply_id: int) -> CannedReply:
    reply = db.session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound(_("No such canned reply."))
    return reply


def _validated(title: str, body: str) -> tuple[str, str]:
    title, body = " ".join((title or "").split()), (body or "").strip()
    errors = {}
    if not 3 <= len(title) <= 120:
        errors["title"] = _("Use 3 to 120 characters.")
    if not 10 <= len(body) <= 10000:
        errors["body"] = _("Use 10 to 10,000 characters.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    return title, body


def save(actor: User, title: str, body: str, reply: CannedReply | None = None) -> CannedReply:
    require_staff(actor)
    title, body = _validated(title, body)
    if reply is None:
        reply = CannedReply()
        db.session.add(reply)
    reply.title, reply.body, reply.updated_by_id, reply.updated_at = title, body, actor.id, clock.now()
    db.session.commit()
    return reply


def delete(actor: User, reply: CannedReply) -> None:
    require_staff(actor)
    db.session.delete(reply)
    db.session.commit()
