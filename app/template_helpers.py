"""Jinja filters and globals shared by every page."""
from datetime import datetime, timedelta
from functools import lru_cache

from babel.dates import format_timedelta as babel_format_timedelta
from flask import Flask, request, url_for
from flask_babel import format_datetime, get_locale

from app import clock, i18n


def time_ago(moment: datetime | None) -> str:
    """"3 minutes ago", "in 2 hours": Babel's wording, looked up by whole minutes.

    Babel formats a duration in about 0.1 ms, and a thread list shows twenty of them; at minute
    granularity the text only depends on the minutes, so each (language, minutes) is formatted once.
    """
    if moment is None:
        return ""
    seconds = (moment - clock.now()).total_seconds()
    minutes = round(seconds / 60) or (0 if seconds == 0 else (1 if seconds > 0 else -1))
    return _minutes_from_now(str(get_locale()), minutes)


@lru_cache(maxsize=8192)
def _minutes_from_now(locale: str, minutes: int) -> str:
    return babel_format_timedelta(timedelta(minutes=minutes), add_direction=True, granularity="minute", locale=locale)


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
