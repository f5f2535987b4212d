"""Jinja filters and globals shared by every page."""
from datetime import datetime

from flask import Flask, request, url_for
from flask_babel import format_datetime, format_timedelta, get_locale

from app import clock, i18n


def time_ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_timedelta(moment - clock.now(), add_direction=True, granularity="minute")


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (pagination, filters)."""
    args = request.args.to_dict()
    args.update({key: value for key, value in changes.items() if value is not None})
    for key in [key for key, value in changes.items() if value is None]:
        args.pop(key, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    i18n.install(app)
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["datetime"] = lambda moment, fmt="medium": format_datetime(moment, fmt) if moment else ""
    app.jinja_env.filters["iso"] = lambda moment: moment.isoformat() if moment else ""
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["endpoints"] = frozenset(app.view_functions)
    from app.events.relay import latest_id

    app.jinja_env.globals["latest_event_id"] = latest_id
