"""Bearer-token authentication for the JSON API (no cookies, so no CSRF)."""
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.services import accounts
from app.services.errors import ServiceError


class Unauthorised(ServiceError):
    status = 401
    code = "unauthorized"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def optional_user():
    """The token's user, None without a token; a bad token is still a 401."""
    token = bearer_token()
    if token is None:
        if request.headers.get("Authorization"):
            raise Unauthorised(_("Use 'Authorization: Bearer <token>'."))
        return None
    user = accounts.user_for_token(token)
    if user is None:
        raise Unauthorised(_("The token is invalid, expired or revoked."))
    return user


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = optional_user()
        if user is None:
            raise Unauthorised(_("This endpoint needs a bearer token: POST /api/v1/tokens first."))
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper
