"""Jinja filters and globals shared by every page.

A thread page calls these dozens of times; the memoised ones below keep the
page's render close to "concatenate strings" when most of what it shows
(relative times, URLs, author names with their standing) repeats between pages.
"""
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from babel.dates import format_timedelta as babel_format_timedelta
from flask import Flask, current_app, has_request_context, request, url_for
from flask.globals import _cv_app, _cv_request
from flask_babel import format_datetime, get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app import clock, i18n

#: Babel's units above its granularity (minutes), with their length in minutes, largest first.
_UNITS_IN_MINUTES = (("year", 525_600), ("month", 43_200), ("week", 10_080), ("day", 1_440), ("hour", 60))
#: Babel's default threshold: "0.85 days" is already "1 day".
_THRESHOLD = 0.85
#: Bounds for the memo dicts below: emptied when full (a few hundred kB at most).
_MEMO_LIMIT = 8192


def _remember(memo: dict, key, value):
    """Keep `value` under `key`; a full memo starts over rather than grow or track its oldest entries."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def locale_name() -> str:
    """The request's language ("de"), read where Flask-Babel keeps the Locale it chose.

    The memo keys below start with it, and a page builds a few dozen of them: `str(get_locale())`
    reads `g` through its proxy and formats the Locale again each time. The name is kept beside the
    Locale it belongs to, so `force_locale` (a mail in the recipient's language) gets its own.
    """
    app_context = _cv_app.get(None)
    babel = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    locale = getattr(babel, "babel_locale", None)
    if locale is None:  # not chosen yet in this context, or no context at all
        return str(get_locale())
    named = getattr(babel, "peerdesk_locale_name", None)
    if named is None or named[0] is not locale:
        named = babel.peerdesk_locale_name = (locale, str(locale))
    return named[1]


def time_ago(moment: datetime | None) -> str:
    """"3 minutes ago", "in 2 hours": Babel's wording, looked up by what Babel's wording depends on.

    Babel formats a duration in about 0.1 ms and a thread page shows a dozen. Its text depends only
    on the direction, the unit it picks and the rounded count in that unit, so each (language,
    direction, unit, count) is formatted once: "3 months ago" serves every moment 3 months back.
    """
    if moment is None:
        return ""
    seconds = (moment - clock.now()).total_seconds()
    minutes = round(seconds / 60) or (0 if seconds == 0 else (1 if seconds > 0 else -1))
    key = (locale_name(), *_babel_bucket(minutes))
    text = _TIME_AGO.get(key)
    if text is None:
        text = _remember(_TIME_AGO, key, babel_format_timedelta(timedelta(minutes=minutes), add_direction=True,
                                                                granularity="minute", locale=key[0]))
    return text


_TIME_AGO: dict[tuple, str] = {}


def _babel_bucket(minutes: int) -> tuple[bool, str, int]:
    """The unit and count `babel.dates.format_timedelta` (granularity minute) prints for this many minutes."""
    size = abs(minutes)
    for unit, length in _UNITS_IN_MINUTES:
        if size / length >= _THRESHOLD:
            return minutes >= 0, unit, int(round(size / length))
    return minutes >= 0, "minute", size


def moment(value: datetime | None) -> Markup:
    """`<time>` with the relative time; peerdesk.js adds the exact time as a tooltip, in the reader's zone.

    A Python global rather than a macro: a Jinja macro call costs more than the tag it prints, and
    every post shows one or two. The leading whitespace is the macro's, kept so pages stay byte-identical.
    """
    return Markup('\n  <time datetime="%s">%s</time>') % (value.isoformat() if value else "", time_ago(value))


def csrf_token() -> str:
    """Flask-WTF's CSRF token for this request, read where `generate_csrf` keeps it once it has made it.

    A member's thread page prints it a dozen times (voting, flagging, accepting, the answer form);
    `generate_csrf` reads two settings through the app proxy on every call to find what it made.
    """
    context = _cv_app.get(None)
    if context is not None:
        token = context.g.__dict__.get(context.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if token is not None:
            return token
    return generate_csrf()


def cached_url_for(endpoint: str, **values) -> str:
    """`url_for` for templates, memoised per (script root, endpoint, arguments).

    Building a URL walks the routing rules (about 25 µs); a page builds thirty-odd, mostly the same
    ones on every page. The URL map is fixed once the app serves, and no `url_defaults` callback
    exists, so the same arguments give the same path. A URL with one id (`/answers/<id>/vote`) is
    built once with a placeholder id and filled in by string replacement, so a page of answers
    with ids never seen before costs no routing either. Relative endpoints (".index") depend on
    the blueprint, external URLs on the host, a template rendered outside a request has no script
    root: those go to `url_for` every time.
    """
    request_context = _cv_request.get(None)  # not the `request` proxy: forty calls a page
    if endpoint.startswith(".") or "_external" in values or "_scheme" in values or request_context is None:
        return url_for(endpoint, **values)
    root = request_context.request.script_root
    if len(values) == 1:
        (name, value), = values.items()
        if type(value) is int and value > 0:
            key = (root, endpoint, name)
            pattern = _ID_PATTERNS.get(key)
            if pattern is None:
                pattern = _ID_PATTERNS[key] = url_for(endpoint, **{name: _PLACEHOLDER_ID})
            return pattern.replace(_PLACEHOLDER, str(value))
        if type(value) is str:
            prefix = _query_prefix(root, endpoint, name)
            if prefix:
                return prefix + quote_plus(value, safe=_QUERY_SAFE)
    try:
        key = (root, endpoint, *sorted(values.items()))
        hash(key)
    except TypeError:  # a list argument (repeated query keys)
        return url_for(endpoint, **values)
    path = _PATHS.get(key)
    if path is None:
        path = _remember(_PATHS, key, url_for(endpoint, **values))
    return path


def _query_prefix(root: str, endpoint: str, name: str) -> str:
    """The URL up to the value when `name` is the endpoint's only query argument ("/auth/login?next="), else "".

    The login and language links carry the page they came from (`next`): memoised whole, every page
    would add two entries, and a memo of a visitor's worth of pages starts over every few seconds.
    """
    key = (root, endpoint, name)
    prefix = _QUERY_PREFIXES.get(key)
    if prefix is None:
        built, ending = url_for(endpoint, **{name: _PLACEHOLDER_TEXT}), f"?{name}={_PLACEHOLDER_TEXT}"
        prefix = _QUERY_PREFIXES[key] = built[:-len(_PLACEHOLDER_TEXT)] if built.endswith(ending) else ""
    return prefix


#: What Werkzeug leaves unescaped in a query value when it builds a URL (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"
_PLACEHOLDER_TEXT = "peerdesk-placeholder-text"
_QUERY_PREFIXES: dict[tuple, str] = {}

#: An id no static part of a URL contains, within the converters' range (app.converters).
_PLACEHOLDER_ID = 2_147_383_647
_PLACEHOLDER = str(_PLACEHOLDER_ID)
_ID_PATTERNS: dict[tuple, str] = {}
_PATHS: dict[tuple, str] = {}


def cached_user_link(user) -> Markup:
    """An author's name with its link and role badge or reputation and badge counts, rendered once per state.

    The macro behind it (`render_user_link` in macros/forum.html) calls three more; a page shows
    one per post, and the same few hundred people write most posts. The key holds every attribute
    the macro reads, so a changed name, role, reputation or badge count is a new entry, not a stale one.
    """
    if not has_request_context():  # a template rendered by a job: no request to memoise against
        return Markup(current_app.jinja_env.get_template("macros/forum.html").module.render_user_link(user))
    key = (locale_name(), request.script_root, user.id, user.username, user.role, user.reputation,
           user.gold_badges, user.silver_badges, user.bronze_badges, user.deleted_at is None)
    html = _USER_LINKS.get(key)
    if html is None:
        macros = current_app.jinja_env.get_template("macros/forum.html").module
        html = _remember(_USER_LINKS, key, Markup(macros.render_user_link(user)))
    return html


_USER_LINKS: dict[tuple, Markup] = {}


def cached_vote_widget(score: int, my_vote: int, action: str | None, can_vote: bool, up_label: str,
                       down_label: str) -> Markup:
    """The voting arrows of a post (`render_vote_widget` in macros/forum.html), rendered once per state.

    A thread page shows one per post, each a macro call with a dozen expressions, and the HTML differs
    only by score, the member's vote, the labels and the language. The per-post action URL and the
    per-session CSRF token go in by string replacement, escaped as the macro would escape them.
    """
    key = (locale_name(), score, my_vote, bool(can_vote), str(up_label), str(down_label))
    html = _VOTE_WIDGETS.get(key)
    if html is None:
        macros = current_app.jinja_env.get_template("macros/forum.html").module
        html = _remember(_VOTE_WIDGETS, key, str(macros.render_vote_widget(
            score, my_vote, _ACTION_PLACEHOLDER if can_vote else None, can_vote, up_label, down_label,
            _TOKEN_PLACEHOLDER)))
    if can_vote:
        html = html.replace(_ACTION_PLACEHOLDER, escape(action)).replace(_TOKEN_PLACEHOLDER, escape(csrf_token()))
    return Markup(html)


def cached_action_form(macro, action: str) -> Markup:
    """A post's form from `macro(action, id_suffix, token)`, rendered once per language and macro.

    For macros whose HTML depends on nothing else (the flag form: the same `<details>` with its
    `<select>` under every post). The action URL, the element ids made from it and the CSRF token
    go in by string replacement, escaped as the macro would escape them.
    """
    key = (locale_name(), macro.name)
    html = _ACTION_FORMS.get(key)
    if html is None:
        html = _remember(_ACTION_FORMS, key, str(macro(_ACTION_PLACEHOLDER, _ID_PLACEHOLDER, _TOKEN_PLACEHOLDER)))
    return Markup(html.replace(_ACTION_PLACEHOLDER, escape(action))
                  .replace(_ID_PLACEHOLDER, escape(action.replace("/", "-")))
                  .replace(_TOKEN_PLACEHOLDER, escape(csrf_token())))


#: Stand-ins that HTML escaping leaves alone and no label, URL or token contains.
_ACTION_PLACEHOLDER = "peerdesk-placeholder-action"
_ID_PLACEHOLDER = "peerdesk-placeholder-id"
_TOKEN_PLACEHOLDER = "peerdesk-placeholder-token"
_VOTE_WIDGETS: dict[tuple, str] = {}
_ACTION_FORMS: dict[tuple, str] = {}


def cached_field(field, preview: bool = False, **attrs) -> Markup:
    """`field(f, …)` of macros/forms.html for an empty field without errors, rendered once per language.

    The answer editor under every thread is such a field on every member's view, and the macro with
    the WTForms widget behind it cost about a tenth of the page. The key holds what the macro and the
    widget read (translated label, help text and preview strings, validators' flags, attributes); a
    field with text or errors shows what the member typed or did wrong, so it is rendered every time.
    """
    macros = current_app.jinja_env.get_template("macros/forms.html").module
    if field.errors or field.data not in (None, "") or not has_request_context():
        return Markup(macros.field(field, preview=preview, **attrs))
    key = (locale_name(), request.script_root, type(field), field.id, field.name, str(field.label.text),
           str(field.description), tuple(sorted(vars(field.flags).items())),
           tuple(sorted((field.render_kw or {}).items())), preview, tuple(sorted(attrs.items())))
    html = _FIELDS.get(key)
    if html is None:
        html = _remember(_FIELDS, key, Markup(macros.field(field, preview=preview, **attrs)))
    return html


_FIELDS: dict[tuple, Markup] = {}


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (pagination, filters).

    The arguments go in by name order: `cached_url_for` keeps the first URL built for a set of
    arguments, so in the request's order a page would print whichever order an earlier page used.
    """
    args = request.args.to_dict()
    args.update({key: value for key, value in changes.items() if value is not None})
    for key in [key for key, value in changes.items() if value is None]:
        args.pop(key, None)
    return cached_url_for(request.endpoint, **(request.view_args or {}), **dict(sorted(args.items())))


def register(app: Flask) -> None:
    i18n.install(app)
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["datetime"] = lambda moment, fmt="medium": format_datetime(moment, fmt) if moment else ""
    app.jinja_env.filters["iso"] = lambda moment: moment.isoformat() if moment else ""
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["url_for"] = cached_url_for
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["moment_tag"] = moment
    app.jinja_env.globals["cached_user_link"] = cached_user_link
    app.jinja_env.globals["cached_field"] = cached_field
    app.jinja_env.globals["cached_vote_widget"] = cached_vote_widget
    app.jinja_env.globals["cached_action_form"] = cached_action_form
    app.jinja_env.globals["current_locale"] = locale_name
    app.jinja_env.globals["endpoints"] = frozenset(app.view_functions)
    from app.events.relay import latest_id

    app.jinja_env.globals["latest_event_id"] = latest_id
