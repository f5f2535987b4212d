"""One error handler for the whole app: JSON for the API, a page for browsers.

No handler ever shows a stack trace; unexpected errors are logged and the
user gets a short apology with the status code.
"""
import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.errors import bp
from app.extensions import db
from app.request_limits import limit_refusal
from app.services.errors import ServiceError

log = logging.getLogger("peerdesk")


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message, fields=fields or {}), status


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 429: "rate_limited"}


@bp.app_errorhandler(ServiceError)
def service_error(error: ServiceError):
    db.session.rollback()
    response, status = error_response(error.status, error.code, error.message, error.fields)
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return response, status, headers


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You are not allowed to do that."),
        404: _("Page not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
    }
    status = error.code or 500
    message = messages.get(status, error.description if status < 500 else _("Something went wrong on our side."))
    if status == 400 and error.description and "CSRF" in error.description:
        message = _("Your form expired. Please reload the page and try again; nothing was saved.")
    headers = {}
    if status == 429:
        message, retry_after = limit_refusal()
        if retry_after:
            # Set here, on the refusal only, rather than by Flask-Limiter's header injection, which stamps
            # every response of a limited route and would overwrite the exact waits of the login back-off
            # and the busy database.
            headers["Retry-After"] = str(retry_after)
    response, status = error_response(status, HTTP_CODES.get(status, "error"), message)
    return response, status, headers


def database_busy(error: OperationalError) -> bool:
    """SQLite's one writer was busy for the whole busy timeout ("database is locked")."""
    return "database is locked" in str(error.orig) or "database table is locked" in str(error.orig)


@bp.app_errorhandler(OperationalError)
def operational_error(error: OperationalError):
    """A busy SQLite database is a 503 worth retrying, with Retry-After; anything else stays a 500."""
    if not database_busy(error):
        return unexpected_error(error)
    db.session.rollback()
    log.warning("database busy on %s %s: %s", request.method, request.path, error.orig)
    response, status = error_response(503, "database_busy",
                                      _("Many people are writing right now. Nothing was saved; please try again "
                                        "in a few seconds."))
    return response, status, {"Retry-After": str(current_app.config["DATABASE_BUSY_RETRY_AFTER_SECONDS"])}


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_response(500, "internal_error", _("Something went wrong on our side. Please try again."))
