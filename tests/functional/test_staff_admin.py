"""Admin settings (categories' SLA, departments) and canned replies."""
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Category, Department


@pytest.fixture()
def world(make):
    make.category("printers")
    make.user("root", role="admin")
    make.user("sam", role="staff")
    make.user("alice")


def category_id(app):
    with app.app_context():
        return db.session.scalar(select(Category.id))


def test_category_sla_with_business_hours(app, world, auth, client):
    auth.login("root")
    hours = {"timezone": "Europe/Berlin", "weekdays": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "17:00"}
    response = client.post(f"/staff/admin/categories/{category_id(app)}", data={
        "sla_minutes": "90", "staff_response_minutes": "45", "business_hours": json.dumps(hours)})
    assert response.status_code == 303
    with app.app_context():
        category = db.session.scalar(select(Category))
        assert (category.sla_minutes, category.staff_response_minutes) == (90, 45)
        assert category.business_hours["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize("hours,message", [
    ("{not json", "not valid JSON"),
    ('{"timezone": "Mars/Olympus", "weekdays": [0], "opens": "09:00", "closes": "17:00"}', "unknown time zone"),
    ('{"timezone": "UTC", "weekdays": [0], "opens": "18:00", "closes": "17:00"}', "opening time must be before"),
    ('{"timezone": "UTC", "weekdays": [0], "opens": "09:00", "closes": "17:00", "holiday": []}', "unknown business"),
])
def test_business_hours_errors_are_clear(app, world, auth, client, hours, message):
    auth.login("root")
    response = client.post(f"/staff/admin/categories/{category_id(app)}", data={
        "sla_minutes": "90", "staff_response_minutes": "45", "business_hours": hours})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_sla_minutes_must_be_positive(app, world, auth, client):
    auth.login("root")
    response = client.post(f"/staff/admin/categories/{category_id(app)}",
                           data={"sla_minutes": "0", "staff_response_minutes": "x"})
    assert response.status_code == 400


def test_departments_with_staff_members(app, world, auth, client):
    auth.login("root")
    with app.app_context():
        from app.models import User
        sam_id = db.session.scalar(select(User.id).where(User.username == "sam"))
        alice_id = db.session.scalar(select(User.id).where(User.username == "alice"))
    assert client.post("/staff/admin/departments/new", data={"name": "Billing", "slug": "billing",
                                                             "members": [str(sam_id)]}).status_code == 303
    assert client.post("/staff/admin/departments/new", data={"name": "Billing 2", "slug": "billing"}).status_code == 400
    assert client.post("/staff/admin/departments/new", data={"name": "Bad", "slug": "bad",
                                                             "members": [str(alice_id)]}).status_code == 400
    with app.app_context():
        department = db.session.scalar(select(Department))
        assert [m.username for m in department.members] == ["sam"]


def test_canned_replies_crud_and_insert_on_thread(app, world, make, auth, client):
    thread_id = make.thread(make.user("bob"), title="Printer <b>jams</b> again")
    auth.login("sam")
    assert client.post("/staff/canned-replies/new", data={"title": "x", "body": "short"}).status_code == 400
    assert client.post("/staff/canned-replies/new", data={
        "title": "Driver reinstall", "body": "Hi {asker}, about “{thread_title}”: reinstall the driver. {unknown}"
    }).status_code == 303
    with app.app_context():
        from app.models import CannedReply
        reply_id = db.session.scalar(select(CannedReply.id))
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "Hi bob, about “Printer &lt;b&gt;jams&lt;/b&gt; again”: reinstall the driver. {unknown}" in page
    assert "data-canned-insert" in page and "js/staff.js" in page
    assert client.post(f"/staff/canned-replies/{reply_id}/edit", data={"title": "Driver reinstall v2",
                                                             "body": "Hello {asker}, try this."}).status_code == 303
    assert "Driver reinstall v2" in client.get("/staff/canned-replies").get_data(as_text=True)
    assert client.post(f"/staff/canned-replies/{reply_id}/delete").status_code == 303
    assert client.get(f"/staff/canned-replies/{reply_id}/edit").status_code == 404
