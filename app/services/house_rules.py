"""House rules and watched words: the community's rules, edited by admins."""
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock, policy
from app.extensions import db
from app.markup import render_markdown
from app.models import HouseRules, User, WatchedWord, WatchedWordMode
from app.services import audit
from app.services.errors import Conflict, NotFound, ValidationFailed

MAX_RULES = 20000
MODES = tuple(mode.value for mode in WatchedWordMode)


def rules(locale: str) -> HouseRules | None:
    """The rules in `locale`, falling back to English; None before an admin wrote any."""
    rows = {row.locale: row for row in db.session.scalars(select(HouseRules).where(HouseRules.locale.in_({locale, "en"})))}
    return rows.get(locale) or rows.get("en")


def save_rules(actor: User, locale: str, body: str, languages: list[str]) -> HouseRules:
    policy.can_administer(actor).enforce()
    body = (body or "").replace("\r\n", "\n").strip()
    if locale not in languages:
        raise ValidationFailed(_("Please correct the marked fields."), {"locale": _("Unknown language.")})
    if len(body) > MAX_RULES:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"body": _("Keep it under %(max)d characters.", max=MAX_RULES)})
    row = db.session.scalar(select(HouseRules).where(HouseRules.locale == locale))
    before = {"body": row.body_source} if row else None
    if row is None:
        row = HouseRules(locale=locale, body_source="", body_html="")
        db.session.add(row)
    row.body_source, row.body_html = body, render_markdown(body)
    row.updated_at, row.updated_by_id = clock.now(), actor.id
    audit.record(actor, "house_rules_edited", reason=locale, before=before, after={"body": body})
    db.session.commit()
    return row


def watched_words() -> list[WatchedWord]:
    return list(db.session.scalars(select(WatchedWord).order_by(WatchedWord.pattern)))


def add_watched_word(actor: User, pattern: str, mode: str, is_regex: bool, message: str = "") -> WatchedWord:
    policy.can_administer(actor).enforce()
    pattern = (pattern or "").strip()
    errors = {}
    if not pattern or len(pattern) > 200:
        errors["pattern"] = _("Use 1 to 200 characters.")
    elif is_regex:
        try:
            re.compile(pattern)
        except re.error:
            errors["pattern"] = _("This is not a valid regular expression.")
    if mode not in MODES:
        errors["mode"] = _("Use block, hold or flag.")
    if len(message or "") > 300:
        errors["message"] = _("Keep it under %(max)d characters.", max=300)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    if db.session.scalar(select(WatchedWord.id).where(WatchedWord.pattern == pattern)):
        raise Conflict(_("This word is watched already."))
    word = WatchedWord(pattern=pattern, mode=mode, is_regex=bool(is_regex), message=(message or "").strip(),
                       created_at=clock.now())
    db.session.add(word)
    audit.record(actor, "watched_word_added", reason=pattern, after={"mode": mode, "regex": bool(is_regex)})
    db.session.commit()
    return word


def remove_watched_word(actor: User, word_id: int) -> None:
    policy.can_administer(actor).enforce()
    word = db.session.get(WatchedWord, word_id)
    if word is None:
        raise NotFound(_("No such watched word."))
    audit.record(actor, "watched_word_removed", reason=word.pattern, before={"mode": word.mode})
    db.session.delete(word)
    db.session.commit()
