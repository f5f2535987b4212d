"""Text no database can store is refused at the door with a 400, before any view runs.

PostgreSQL refuses NUL characters in text, and neither database driver can
encode an unpaired UTF-16 surrogate ("\\ud800", which JSON may escape and
Python's decoder accepts). Left alone, each reaches the driver and becomes a
500 after part of the work is done, on writes and on reads alike
(`GET /?category=%00`). Checking every input channel once here (the path,
the query, form fields and JSON) means no view has to remember it.
Undecodable bytes in URLs and forms are not a concern: Werkzeug already
turns them into U+FFFD.

Pages take form posts only: Flask-WTF would otherwise read a JSON body as
the form, and a number where a field expects text fails in the view.

JSON is also bounded in depth: Python's parser raises RecursionError, not
ValueError, on deeply nested input, which Flask would not treat as bad JSON.
"""
from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _

from app.services.errors import ServiceError, ValidationFailed


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse() -> None:
    raise ValidationFailed(_("The request contains characters that cannot be stored "
                             "(a NUL character or a broken Unicode surrogate)."))


def _all_storable(data) -> bool:
    """Walk a parsed JSON document without recursion (its depth is the client's choice)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not storable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


class GuardedJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if not _all_storable(data):
            _refuse()
        return data


def cleans_its_own(*names: str):
    """Decorator for a view that cleans these query parameters itself (free-text search strips control
    characters), so a NUL there is searched for as a space instead of refused."""
    def mark(view):
        view.cleans_own_query_text = frozenset(names)
        return view

    return mark


def refuse_unstorable_request_text() -> None:
    if request.is_json and request.method != "GET" and request.blueprint != "api":
        # Flask-WTF would feed a JSON body to the page's form, numbers and lists included.
        raise UnsupportedMediaType(_("Pages take form posts; send JSON to the API under /api/v1."))
    cleaned_by_view = getattr(current_app.view_functions.get(request.endpoint), "cleans_own_query_text", ())
    values = list((request.view_args or {}).values())
    values += [part for name, value in request.args.items(multi=True)
               for part in (name, value if name not in cleaned_by_view else "")]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        values += [part for pair in request.form.items(multi=True) for part in pair]
    if not all(storable(value) for value in values if isinstance(value, str)):
        _refuse()


def install(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    app.before_request(refuse_unstorable_request_text)
