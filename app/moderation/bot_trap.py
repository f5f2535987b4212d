"""Registration bot traps: a honeypot field people never see and a minimum time to fill the form.

A bot that fills every field fills the honeypot; one that posts the form
the moment it loads is faster than REGISTRATION_MIN_FILL_SECONDS. The form
carries the time it was shown, signed, so it cannot be forged; the time
comes from app.clock, so tests move it instead of sleeping. The refusal is
deliberately generic: it tells a bot nothing about which trap caught it.
"""
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from app import clock

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_shown"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="registration-form-shown")


def form_stamp() -> str:
    return _serializer().dumps(clock.now().timestamp())


def refusal(form) -> str | None:
    """Why this registration looks automated, or None."""
    if (form.get(HONEYPOT_FIELD) or "").strip():
        return _("Please try again; the form was not filled in as expected.")
    minimum = current_app.config.get("REGISTRATION_MIN_FILL_SECONDS", 3)
    if not minimum:
        return None
    try:
        shown = float(_serializer().loads(form.get(STAMP_FIELD) or ""))
    except (BadSignature, TypeError, ValueError):
        return _("Please try again; the form was not filled in as expected.")
    if clock.now().timestamp() - shown < minimum:
        return _("Please try again; the form was not filled in as expected.")
    return None
