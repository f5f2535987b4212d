"""Authorisation: every staff page and staff API endpoint refuses members (403) and visitors.

The rules are read from the live URL map, so a new staff route is covered
the day it is added. (Built from the session app inside the test: a second
app created at import time would rebind the shared Socket.IO server.)
"""
import re

import pytest


def staff_rules(app):
    rules = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") or rule.rule.startswith("/api/v1/staff/"):
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                rules.add((method, re.sub(r"<(?:int:)?\w+>", "1", rule.rule)))
    return sorted(rules)


@pytest.fixture()
def world(make):
    make.category("printers")
    alice = make.user("alice")
    make.thread(alice)
    make.user("sam", role="staff")
    return alice


def test_the_url_map_has_staff_rules(app):
    rules = staff_rules(app)
    assert len(rules) >= 25
    assert ("GET", "/api/v1/staff/queue") in rules and ("GET", "/staff/metrics") in rules


def test_member_gets_403_everywhere(app, world, auth, api, client):
    token = api.token("alice")
    auth.login("alice")
    wrong = []
    for method, path in staff_rules(app):
        if path.startswith("/api/"):
            response = api.call(method, path, token, json={})
        else:
            response = client.open(path, method=method, data={})
        if response.status_code != 403:
            wrong.append((method, path, response.status_code))
    assert wrong == []


def test_visitor_is_sent_to_login_or_gets_401(app, world, client):
    wrong = []
    for method, path in staff_rules(app):
        response = client.open(path, method=method, json={} if path.startswith("/api/") else None)
        expected = 401 if path.startswith("/api/") else 302
        if response.status_code != expected:
            wrong.append((method, path, response.status_code))
    assert wrong == []


def test_staff_who_are_not_admins_get_403_on_admin_pages(app, world, auth, client):
    auth.login("sam")
    admin_pages = [(m, p) for m, p in staff_rules(app) if p.startswith("/staff/admin/")]
    assert len(admin_pages) >= 8
    assert [(m, p) for m, p in admin_pages if client.open(p, method=m, data={}).status_code != 403] == []
