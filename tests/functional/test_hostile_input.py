"""Every route in the URL map, fed hostile values, answers without a server error.

The route list, the query and form parameter names and the JSON field names
are read from the application itself (its URL map, its WTForms classes and
its source), so a route or parameter added later is walked too. Runs on
SQLite and, in the PostgreSQL leg, on PostgreSQL, which refuses NUL bytes
and unpaired surrogates that SQLite would store.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from werkzeug.security import generate_password_hash
from wtforms.fields.core import UnboundField

from app.extensions import db
from app.models import Department, User
from app.services import announcements, canned_replies, staff_notes
from tests.conftest import PASSWORD

APP_SOURCE = Path(__file__).resolve().parents[2] / "app"
PARAMETER_PATTERNS = [r'(?:args|form)\.get(?:list)?\(\s*"(\w+)"', r'(?:args|form)\[\s*"(\w+)"\]',
                      r'(?:data|body|payload|json_body\(\))\.get\(\s*"(\w+)"', r'_field\(\s*\w+,\s*"(\w+)"']
#: Routes that end the session or token they are called with; the walker logs in again after each.
ENDS_LOGIN = {"auth.logout", "auth.log_out_everywhere", "auth.end_session", "auth.revoke_token", "api.revoke_token"}

HOSTILE_TEXT = [
    "\x00", "99999999999999999999", "-1", "1e309", "9999-12-31", "0001-01-01", "2026-02-30T25:61",
    "' OR '1'='1", "x" * 5000, "\r\nSet-Cookie: a=b", "😀\u202e", "",
]
#: Percent-encoded bytes that are not UTF-8 (a lone surrogate, a stray byte) for URLs and form bodies.
RAW_ENCODED = ["%ED%A0%80", "%FF"]
#: Tried in each parameter alone on every page and API read.
ONE_AT_A_TIME = ["%00", "99999999999999999999", "9999-12-31", "0001-01-01", "-1", "%ED%A0%80"]
HOSTILE_JSON = HOSTILE_TEXT + ["\ud800", None, True, 2**70, 1.5e308, [], {"a": ["\x00"]}]
RAW_JSON = ["[" * 100_000 + "]" * 100_000, '{"title": ' + "[" * 50_000 + "]" * 50_000 + "}",
            '{"title": "\\ud800", "body": "\\u0000"}', "{", "\xff"]


def _names_in(source: str) -> set[str]:
    return {name for pattern in PARAMETER_PATTERNS for name in re.findall(pattern, source)}


def _names_read_by(view) -> list[str]:
    """The query names the module of a view reads: each is also tried alone, so one bad value is not
    hidden behind another parameter that the view refuses first."""
    module = sys.modules[view.__module__]
    return sorted(_names_in(Path(module.__file__).read_text(encoding="utf-8")) | {"page"})


def _parameter_names() -> tuple[list[str], list[str]]:
    """(query and form names, JSON field names) the application reads anywhere."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in APP_SOURCE.rglob("*.py"))
    names = _names_in(source)
    forms = list(FlaskForm.__subclasses__())
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        names.update(name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField))
    names.update({"page", "per_page", "next", "locale", "csrf_token"})
    return sorted(names), sorted(names)


@pytest.fixture()
def hostile_world(app, make):
    """One of everything, so routes with ids reach their real code (ids 1 exist)."""
    make.category("printers")
    admin, member = make.user("admin", role="admin"), make.user("alice")
    thread_id = make.thread(member)
    make.answer(admin, thread_id)
    with app.app_context():
        actor = db.session.get(User, admin.id)
        db.session.add(Department(slug="billing", name="Billing"))
        db.session.commit()
        canned_replies.save(actor, "Greeting", "Hello {asker}, thanks for asking.")
        announcements.save(actor, announcements.AnnouncementDraft("Maintenance", "Tonight.", "info", None, None))
        staff_notes.add_customer_note(actor, member.id, "Prefers e-mail.")
        staff_notes.add_thread_note(actor, thread_id, "Known firmware issue.")
        # The walker logs in again after every request that ends its session: keep that cheap.
        actor.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        db.session.commit()
    return admin


class Walker:
    def __init__(self, app, client, api):
        self.app, self.client, self.api = app, client, api
        self.token = None
        self.results: Counter = Counter()
        self.failures: list[str] = []
        self.log_in()

    def log_in(self):
        response = self.client.post("/auth/login", data={"login": "admin", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        self.token = self.api.token("admin")

    def send(self, endpoint, method, url, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        try:
            response = self.client.open(url, method=method, headers=headers, **kwargs)
        except Exception as error:  # the testing config propagates what would be a 500
            self.results[500] += 1
            self.failures.append(f"{type(error).__name__}: {error!s:.80} {method} {url[:120]} {str(kwargs)[:120]!r}")
            return
        self.results[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {method} {url[:160]} {str(kwargs)[:160]!r}")
        if endpoint in ENDS_LOGIN:
            self.client.delete_cookie("session")
            self.client.delete_cookie("remember_token")
            self.log_in()


def _paths(rule) -> list[str]:
    """The rule with ids that exist, with ids that do not, and with each hostile text in its string parts."""
    ids = {name: 1 for name, converter in rule._converters.items() if type(converter).__name__ == "DatabaseIdConverter"}
    texts = [name for name in rule.arguments if name not in ids]

    def build(values):
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{name}>", values[name], path)
        return path

    paths = [build({**{name: "1" for name in ids}, **{name: "admin" for name in texts}}),
             build({**{name: "2147483647" for name in ids}, **{name: "admin" for name in texts}})]
    for name in texts:
        for value in HOSTILE_TEXT:
            paths.append(build({**{n: "1" for n in ids}, **{n: "admin" for n in texts}, name: quote(value, safe="")}))
        for raw in RAW_ENCODED:
            paths.append(build({**{n: "1" for n in ids}, **{n: "admin" for n in texts}, name: raw}))
    return paths


def _query(names, value) -> str:
    return "&".join(f"{name}={value}" for name in names)


def test_every_route_survives_hostile_input(app, client, api, hostile_world):
    names, json_names = _parameter_names()
    walker = Walker(app, client, api)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 60
    for rule in sorted(rules, key=lambda rule: rule.rule):
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for path in _paths(rule):
            for method in methods:
                walker.send(rule.endpoint, method, path)
        base = _paths(rule)[0]
        for method in methods:
            encoded = [quote(value, safe="") for value in HOSTILE_TEXT] + RAW_ENCODED
            for value in encoded:
                url = f"{base}?{_query(names, value)}"
                if method == "GET":
                    walker.send(rule.endpoint, method, url)
                else:
                    walker.send(rule.endpoint, method, url, data=_query(names, value).encode(),
                                content_type="application/x-www-form-urlencoded")
            if method == "GET":
                for name in _names_read_by(app.view_functions[rule.endpoint]):
                    for value in ONE_AT_A_TIME:
                        walker.send(rule.endpoint, method, f"{base}?{name}={value}")
                continue
            for value in HOSTILE_JSON:
                walker.send(rule.endpoint, method, base, data=json.dumps({name: value for name in json_names}),
                            content_type="application/json")
            for raw in RAW_JSON:
                walker.send(rule.endpoint, method, base, data=raw, content_type="application/json")
    total = sum(walker.results.values())
    print(f"{total} hostile requests: {dict(sorted(walker.results.items()))}")
    assert total > 2000
    assert walker.failures == [], f"{len(walker.failures)} of {total} answered 5xx:\n" + "\n".join(walker.failures[:60])
