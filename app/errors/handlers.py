"""One error handler for the whole app: JSON for the API, a page for browsers.

No handler ever shows a stack trace; unexpected errors are logged and the
user gets a short apology with the status code.
"""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.errors import bp
from app.extensions import db
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
        429: _("Too many requests. Please wait a moment and try again."),
    }
    status = error.code or 500
    message = messages.get(status, error.description if status < 500 else _("Something went wrong on our side."))
    if status == 400 and error.description and "CSRF" in error.description:
        message = _("Your form expired. Please reload the page and try again; nothing was saved.")
    return error_response(status, HTTP_CODES.get(status, "error"), message)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_response(500, "internal_error", _("Something went wrong on our side. Please try again."))
