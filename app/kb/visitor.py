"""Who a reader is for "was this helpful?": the member, or a signed random visitor id.

Anonymous pages stay sessionless (no Flask session, so no CSRF token): an
anonymous reader gets a long-lived, signed, HttpOnly, SameSite=Lax cookie
holding a random id. Lax cookies are not sent with cross-site POSTs, so
requiring a valid one on the vote also stops cross-site forgery.
"""
import secrets

from flask import current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import csrf

COOKIE = "pd_visitor"
MAX_AGE = 2 * 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="peerdesk.kb.visitor")


def cookie_visitor_id() -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and len(value) <= 40 else None


def visitor_key() -> str | None:
    """"user:<id>" for members, "visitor:<id>" for a reader with a valid cookie, else None."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    visitor_id = cookie_visitor_id()
    return f"visitor:{visitor_id}" if visitor_id else None


def ensure_cookie(response):
    """Give an anonymous reader a visitor id (once) so they can answer "was this helpful?"."""
    if current_user.is_authenticated or cookie_visitor_id():
        return response
    response.set_cookie(COOKIE, _serializer().dumps(secrets.token_urlsafe(16)), max_age=MAX_AGE, httponly=True,
                        samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def check_csrf() -> None:
    """Validate the CSRF token of a cookie-authenticated POST to a view exempt from the global check."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
