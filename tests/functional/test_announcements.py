"""Service announcements: admin CRUD, active window, category limits, a query only after a change."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, events
from app.extensions import db
from app.models import Announcement, User
from app.services import announcements


@pytest.fixture()
def world(make):
    make.category("printers")
    make.category("billing")
    make.user("root", role="admin")
    make.user("alice")
    return None


def test_admin_publishes_banner_shown_while_active(world, auth, client, frozen_clock):
    auth.login("root")
    start = frozen_clock.current + timedelta(hours=1)
    response = client.post("/staff/admin/announcements/new", data={
        "title": "Payment outage", "body": "Card payments fail. <script>alert(1)</script> **We are on it.**",
        "severity": "outage", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 303
    auth.logout()
    assert "Payment outage" not in client.get("/").get_data(as_text=True)
    frozen_clock.advance(hours=1)
    html = client.get("/").get_data(as_text=True)
    assert "Payment outage" in html and "announcement-outage" in html
    assert "<strong>We are on it.</strong>" in html and "<script>alert(1)" not in html
    frozen_clock.advance(hours=2)
    assert "Payment outage" not in client.get("/").get_data(as_text=True)


def test_category_limited_banner(world, auth, client, make):
    auth.login("root")
    client.post("/staff/admin/announcements/new", data={
        "title": "Billing maintenance tonight", "body": "Invoices are read-only from 22:00.",
        "severity": "warning", "categories": ["billing"]})
    assert "Billing maintenance" not in client.get("/").get_data(as_text=True)
    assert "Billing maintenance" in client.get("/?category=billing").get_data(as_text=True)
    thread_id = make.thread(make.user("bob"), category="billing")
    assert "Billing maintenance" in client.get(f"/threads/{thread_id}").get_data(as_text=True)


@pytest.mark.parametrize("data,field", [
    ({"title": "x", "body": "Some text here", "severity": "info"}, "title"),
    ({"title": "Valid title", "body": "Some text here", "severity": "panic"}, "severity"),
    ({"title": "Valid title", "body": "Some text", "severity": "info", "starts_at": "2026-03-02T10:00",
      "ends_at": "2026-03-02T09:00"}, "ends_at"),
    ({"title": "Valid title", "body": "Some text", "severity": "info", "starts_at": "soon"}, "starts_at"),
])
def test_bad_announcements_are_400(world, auth, client, data, field):
    auth.login("root")
    response = client.post("/staff/admin/announcements/new", data=data)
    assert response.status_code == 400


def test_edit_and_delete(app, world, auth, client):
    auth.login("root")
    client.post("/staff/admin/announcements/new", data={"title": "First title", "body": "Body text",
                                                        "severity": "info"})
    assert "First title" in client.get("/staff/admin/announcements").get_data(as_text=True)
    with app.app_context():
        item_id = db.session.scalar(select(Announcement.id))
    client.post(f"/staff/admin/announcements/{item_id}/edit", data={"title": "Second title", "body": "Body", "severity": "info"})
    assert "Second title" in client.get("/").get_data(as_text=True)
    assert client.post(f"/staff/admin/announcements/{item_id}/delete").status_code == 303
    assert "Second title" not in client.get("/").get_data(as_text=True)
    assert client.post(f"/staff/admin/announcements/{item_id}/delete").status_code == 404


def test_banner_costs_one_query_after_a_change_and_none_after(world, auth, client, count_queries):
    auth.login("root")
    for n in range(3):
        client.post("/staff/admin/announcements/new", data={"title": f"Notice number {n}", "body": "Text",
                                                            "severity": "info", "categories": ["billing"]})
    auth.logout()
    with count_queries() as counter:
        client.get("/")
    assert sum("announcements" in statement for statement in counter.statements) == 1
    with count_queries() as counter:
        html = client.get("/?category=billing").get_data(as_text=True)
    assert sum("announcements" in statement for statement in counter.statements) == 0
    assert all(f"Notice number {n}" in html for n in range(3))


def test_a_change_announced_by_another_process_replaces_the_kept_banner(app, world, client):
    """Another server's admin saved the announcement: this process hears of it through the relay only."""
    assert "Card payments fail" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "root"))
        item = Announcement(title="Card payments fail", body_source="x", body_html="<p>x</p>", severity="outage",
                            starts_at=clock.now(), created_by_id=admin.id, created_at=clock.now())
        db.session.add(item)
        db.session.commit()
        events.dispatch(events.Happened(id=1, kind=announcements.CHANGED, payload={"announcement_id": item.id},
                                        origin="another-server"))
    assert "Card payments fail" in client.get("/").get_data(as_text=True)


def test_the_kept_banner_follows_the_clock_backwards(app, world, auth, client, frozen_clock):
    """A copy loaded at a later moment lacks what ended before it; an earlier moment loads the rows again."""
    auth.login("root")
    client.post("/staff/admin/announcements/new", data={
        "title": "Short maintenance", "body": "Text", "severity": "info",
        "starts_at": frozen_clock.current.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (frozen_clock.current + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    auth.logout()
    frozen_clock.advance(hours=2)
    assert "Short maintenance" not in client.get("/").get_data(as_text=True)
    frozen_clock.advance(hours=-2)
    assert "Short maintenance" in client.get("/").get_data(as_text=True)
