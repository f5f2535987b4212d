"""The forum in the browser's terms: forms, redirects, status codes and what the page says."""
import re

import pytest

from app.extensions import db
from app.models import Answer, Thread, ThreadEvent


@pytest.fixture()
def world(make):
    make.category("printers")
    make.category("billing")
    return {"alice": make.user("alice"), "bob": make.user("bob"), "sam": make.user("sam", role="staff")}


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_register_login_logout(client, auth, world):
    response = client.post("/auth/register", data={"username": "carla", "email": "carla@example.com",
                                                   "password": "a-long-enough-pass", "confirm": "a-long-enough-pass"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    response = auth.login("carla", "a-long-enough-pass")
    assert response.status_code == 302
    assert "carla" in page_text(client.get("/"))
    auth.logout()
    assert "Log in" in page_text(client.get("/"))


def test_registration_never_tells_whether_an_address_has_an_account(client, world, app):
    """The owner is told instead (event `registration_email_taken`, mailed by the mail module)."""
    from app.models import DomainEvent

    def register(username, email):
        response = client.post("/auth/register", data={"username": username, "email": email,
                                                       "password": "a-long-enough-pass",
                                                       "confirm": "a-long-enough-pass"}, follow_redirects=True)
        return response.status_code, page_text(response).replace(username, "NAME")

    assert register("newcomer", "Alice@Example.com") == register("other", "free@example.com")
    with app.app_context():
        kinds = [(event.kind, event.user_id) for event in db.session.scalars(db.select(DomainEvent))
                 if event.kind == "registration_email_taken"]
    assert kinds == [("registration_email_taken", world["alice"].id)]


@pytest.mark.parametrize("fields, message", [
    ({"username": "alice"}, "This username is taken."),
    ({"username": "ALICE"}, "This username is taken."),
    ({"username": "a b"}, "Use 3 to 32 letters"),
    ({"email": "not-an-email"}, "valid e-mail"),
    ({"password": "short", "confirm": "short"}, "at least 12 characters"),
    ({"password": "password1234", "confirm": "password1234"}, "breached passwords"),
    ({"password": "iloveyou1234", "confirm": "iloveyou1234"}, "too easy to guess"),
])
def test_registration_errors_are_explained(client, world, fields, message):
    data = {"username": "newbie", "email": "newbie@example.com", "password": "a-long-enough-pass",
            "confirm": "a-long-enough-pass", **fields}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 400
    assert message in page_text(response)


def test_wrong_password_is_refused(client, auth, world):
    response = auth.login("alice", "not-the-password")
    assert response.status_code == 400 and "Wrong username" in page_text(response)


def test_remember_me_sets_a_cookie(client, world):
    response = client.post("/auth/login", data={"login": "alice", "password": "correct-horse-battery",
                                                "remember": "y"})
    assert "remember_token" in response.headers.get("Set-Cookie", "") or any(
        "remember_token" in value for value in response.headers.getlist("Set-Cookie"))


def test_login_ignores_offsite_next(client, world):
    response = client.post("/auth/login?next=https://evil.example/", data={"login": "alice",
                                                                           "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/"


def test_ask_answer_accept_in_pages(client, auth, world, app):
    auth.login("alice")
    response = client.post("/ask", data={"title": "Printer shows error E42", "body": "Since the **update**.",
                                         "category": "printers", "tags": "p200, firmware"})
    assert response.status_code == 302
    thread_url = response.headers["Location"]
    page = page_text(client.get(thread_url))
    assert "Printer shows error E42" in page and "<strong>update</strong>" in page
    auth.logout()
    auth.login("bob")
    response = client.post(f"{thread_url}/answers", data={"body": "Unplug it for thirty seconds."})
    assert response.status_code == 302
    auth.logout()
    auth.login("sam")
    client.post(f"{thread_url}/answers", data={"body": "We are rolling out a fix today."})
    page = page_text(client.get(thread_url))
    assert "Official" in page
    auth.logout()
    auth.login("alice")
    with app.app_context():
        thread = db.session.scalar(db.select(Thread))
        first_answer_id = db.session.scalar(db.select(db.func.min(Answer.id)))
    response = client.post(f"{thread_url}/accept", data={"answer_id": str(first_answer_id)})
    assert response.status_code == 302
    page = page_text(client.get(thread_url))
    assert "Resolved" in page
    assert page.index("Unplug it for thirty seconds") < page.index("We are rolling out a fix today")
    with app.app_context():
        kinds = [event.kind for event in db.session.scalars(
            db.select(ThreadEvent).where(ThreadEvent.thread_id == thread.id).order_by(ThreadEvent.id))]
    assert kinds == ["created", "answered", "answered", "accepted"]


def test_rejected_answer_keeps_the_text(client, auth, world, make):
    thread_id = make.thread(world["alice"])
    auth.login("bob")
    response = client.post(f"/threads/{thread_id}/answers", data={"body": "too short"})
    assert response.status_code == 400
    assert "too short" in page_text(response)


def test_body_over_limit_is_413_with_the_text_kept(client, auth, world, app):
    auth.login("alice")
    body = "y" * (app.config["MAX_BODY_CHARS"] + 5)
    response = client.post("/ask", data={"title": "Printer shows error E42", "body": body, "category": "printers"})
    assert response.status_code == 413
    assert "too long" in page_text(response) and "Printer shows error E42" in page_text(response)


def test_editing_someone_elses_post_is_403(client, auth, world, make):
    thread_id = make.thread(world["alice"])
    answer_id = make.answer(world["bob"], thread_id)
    auth.login("bob")
    assert client.get(f"/threads/{thread_id}/edit").status_code == 403
    assert client.post(f"/threads/{thread_id}/edit", data={"title": "Hijacked title here"}).status_code == 403
    auth.logout()
    auth.login("alice")
    assert client.post(f"/answers/{answer_id}/edit", data={"body": "changed by alice"}).status_code == 403


def test_editing_own_question_records_edited_at(client, auth, world, make, app):
    thread_id = make.thread(world["alice"])
    auth.login("alice")
    response = client.post(f"/threads/{thread_id}/edit", data={
        "title": "Printer shows error E43 now", "body": "Updated description text.", "category": "billing",
        "tags": "p200"})
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert thread.edited_at is not None and thread.title == "Printer shows error E43 now"
        assert thread.category.slug == "billing"


def test_voting_in_pages(client, auth, world, make, app):
    thread_id = make.thread(world["alice"])
    auth.login("alice")
    assert client.post(f"/threads/{thread_id}/vote", data={"value": "1"}).status_code == 403
    auth.logout()
    auth.login("bob")
    assert client.post(f"/threads/{thread_id}/vote", data={"value": "1"}).status_code == 302
    assert client.post(f"/threads/{thread_id}/vote", data={"value": "1"}).status_code == 302
    assert client.post(f"/threads/{thread_id}/vote", data={"value": "7"}).status_code == 400
    with app.app_context():
        assert db.session.get(Thread, thread_id).score == 1


def test_anonymous_writes_go_to_login(client, world, make):
    thread_id = make.thread(world["alice"])
    for url in ("/ask", f"/threads/{thread_id}/answers", f"/threads/{thread_id}/vote", f"/threads/{thread_id}/accept"):
        response = client.post(url, data={"body": "hello there friends"})
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_accepting_an_answer_of_another_thread_is_refused(client, auth, world, make):
    first = make.thread(world["alice"])
    second = make.thread(world["alice"], title="Another printer question")
    foreign = make.answer(world["bob"], second)
    auth.login("alice")
    assert client.post(f"/threads/{first}/accept", data={"answer_id": str(foreign)}).status_code == 400
    auth.logout()
    auth.login("bob")
    assert client.post(f"/threads/{second}/accept", data={"answer_id": str(foreign)}).status_code == 403


def test_thread_list_filters_and_pagination(client, world, make, app):
    for n in range(25):
        make.thread(world["alice"], title=f"Printer question number {n:02d}")
    make.thread(world["alice"], title="Invoice shows VAT twice", category="billing", tags=("invoice",))
    first = page_text(client.get("/?category=printers&sort=newest"))
    assert "Printer question number 24" in first and "Printer question number 04" not in first
    second = page_text(client.get("/?category=printers&sort=newest&page=2"))
    assert "Printer question number 04" in second
    assert "Invoice shows VAT twice" in page_text(client.get("/?tag=invoice"))
    assert "Invoice shows VAT twice" not in page_text(client.get("/?tag=p200"))
    assert client.get("/?status=bogus").status_code == 400
    assert client.get("/?page=-3").status_code == 400


def test_profile_page(client, world, make):
    thread_id = make.thread(world["alice"])
    make.answer(world["bob"], thread_id)
    page = page_text(client.get("/users/bob"))
    assert "bob" in page and "Printer shows error E42" in page
    assert client.get("/users/nobody").status_code == 404


def test_titles_are_escaped(client, world, make):
    thread_id = make.thread(world["alice"], title="<script>alert('x')</script> printer")
    page = page_text(client.get(f"/threads/{thread_id}"))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_preview_renders_sanitised_markdown(client, auth, world):
    auth.login("alice")
    response = client.post("/preview", data={"body": "**hi** <script>x</script>"})
    assert response.get_json()["html"].startswith("<p><strong>hi</strong> &lt;script&gt;")


def test_language_switch_is_remembered(client, auth, world, app):
    auth.login("alice")
    client.post("/auth/language", data={"locale": "de"})
    assert re.search(r'<html lang="de"', page_text(client.get("/")))
    with app.app_context():
        from app.models import User
        assert db.session.scalar(db.select(User).where(User.username == "alice")).locale == "de"


def test_browser_language_is_used(client, world):
    page = page_text(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert '<html lang="de"' in page


def test_security_headers(client, world):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_forms_need_the_csrf_token(client, auth, world, monkeypatch, app):
    auth.login("alice")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/ask", data={"title": "Printer shows error E42", "body": "Since the update.",
                                         "category": "printers"})
    assert response.status_code == 400
    assert "Your form expired" in page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Thread.id))) == 0


def test_lists_stop_counting_at_the_limit(client, make, monkeypatch):
    """Counting every thread would make the list slower with every thread; beyond the limit it says "more than"."""
    from app.services import browsing

    monkeypatch.setattr(browsing, "COUNT_LIMIT", 2)
    make.category()
    alice = make.user("alice")
    for number in range(3):
        make.thread(alice, title=f"Printer question number {number}")
    assert "More than 2 questions" in client.get("/").get_data(as_text=True)
    data = client.get("/api/v1/threads?per_page=2").get_json()
    assert data["total"] == 2 and data["total_is_exact"] is False and data["pages"] == 1
    assert len(client.get("/api/v1/threads?per_page=2&page=2").get_json()["items"]) == 1
