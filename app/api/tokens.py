from flask import current_app, jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.auth import Unauthorised, bearer_token
from app.extensions import limiter
from app.request_limits import login_limit, login_throttle
from app.services import accounts


@bp.route("/tokens", methods=["POST"])
@limiter.limit(login_limit)
def create_token():
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        raise Unauthorised(_("Send your username and password with HTTP Basic authentication."))
    user = accounts.authenticate(credentials.username or "", credentials.password or "", login_throttle())
    if user is None:
        raise Unauthorised(_("Wrong username, e-mail or password."))
    token, record = accounts.issue_token(user, current_app.config["API_TOKEN_HOURS"])
    return jsonify({"token": token, "expires_at": record.expires_at.isoformat()}), 201


@bp.route("/tokens", methods=["DELETE"])
def revoke_token():
    token = bearer_token()
    if token is None:
        raise Unauthorised(_("Send the token to revoke as 'Authorization: Bearer <token>'."))
    if not accounts.revoke_token(token):
        raise Unauthorised(_("The token is invalid, expired or revoked."))
    return "", 204
