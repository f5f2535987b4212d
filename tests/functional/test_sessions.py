"""Logins are revocable: logout, password change, ban and "log out everywhere" end them on the server."""
import re

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import ApiToken, LoginSession, User
from app.services import accounts
from tests.conftest import PASSWORD

NEW_PASSWORD = "quiet-harbour-lantern-42"


@pytest.fixture()
def alice(make):
    return make.user("alice")


def copy_cookies(source, target, *names):
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        target.set_cookie(name, cookie.value)


def signed_in(client) -> bool:
    return client.get("/auth/sessions").status_code == 200


def test_a_session_cookie_copied_before_logout_is_dead_after_it(app, client, auth, alice):
    auth.login("alice")
    thief = app.test_client()
    copy_cookies(client, thief, "session")
    assert signed_in(thief)
    auth.logout()
    assert not signed_in(thief)
    assert "/auth/login" in thief.post("/ask", data={"title": "A stolen session posts"}).headers["Location"]


def test_a_remember_cookie_dies_with_its_session(app, client, alice):
    client.post("/auth/login", data={"login": "alice", "password": PASSWORD, "remember": "y"})
    thief = app.test_client()
    copy_cookies(client, thief, "remember_token")
    assert signed_in(thief), "the remember cookie alone logs in"
    client.post("/auth/logout")
    fresh = app.test_client()
    copy_cookies(thief, fresh, "remember_token")
    assert not signed_in(fresh)


def test_log_out_everywhere_ends_every_session_and_token(app, client, auth, api, alice):
    auth.login("alice")
    laptop = app.test_client()
    laptop.post("/auth/login", data={"login": "alice", "password": PASSWORD, "remember": "y"})
    token = api.token("alice")
    client.post("/auth/sessions/end-all")
    assert not signed_in(client) and not signed_in(laptop)
    assert api.call("GET", "/api/v1/me", token).status_code == 401


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, client, auth, api, alice):
    auth.login("alice")
    laptop = app.test_client()
    laptop.post("/auth/login", data={"login": "alice", "password": PASSWORD})
    token = api.token("alice")
    response = client.post("/auth/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(client) and not signed_in(laptop)
    assert api.call("GET", "/api/v1/me", token).status_code == 401
    assert auth.logout() and auth.login("alice", NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, auth, alice):
    auth.login("alice")
    response = client.post("/auth/password", data={"current": "not-my-password", "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "not your current password" in response.get_data(as_text=True)
    assert signed_in(client)


def test_a_ban_ends_every_session_at_once(app, client, auth, api, alice):
    """What the moderation area does: ban and end_all_sessions in one transaction."""
    auth.login("alice")
    token = api.token("alice")
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.banned_at = clock.now()
        accounts.end_all_sessions(user)
        db.session.commit()
        assert db.session.scalar(select(LoginSession.ended_at)) is not None
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    assert not signed_in(client)
    assert api.call("GET", "/api/v1/me", token).status_code == 401


def test_a_banned_user_is_refused_even_with_a_live_session(app, client, auth, alice):
    auth.login("alice")
    with app.app_context():
        db.session.get(User, alice.id).banned_at = clock.now()
        db.session.commit()
    assert not signed_in(client)


def test_the_sessions_page_lists_and_ends_sessions(app, client, auth, api, alice, make):
    auth.login("alice")
    phone = app.test_client()
    phone.post("/auth/login", data={"login": "alice", "password": PASSWORD},
               headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"})
    api.token("alice")
    page = client.get("/auth/sessions").get_data(as_text=True)
    assert "This browser" in page and "Safari · iPhone" in page and "Token created" in page
    with app.app_context():
        ids = sorted(db.session.scalars(select(LoginSession.id)))
        token_id = db.session.scalar(select(ApiToken.id))
    phone_id = ids[-1]
    assert client.post(f"/auth/sessions/{phone_id}/end").status_code == 302
    assert not signed_in(phone) and signed_in(client)
    assert client.post(f"/auth/sessions/{phone_id}/end").status_code == 404
    assert client.post(f"/auth/tokens/{token_id}/revoke").status_code == 302
    assert "Token created" not in client.get("/auth/sessions").get_data(as_text=True)


def test_nobody_ends_another_users_session(app, client, auth, alice, make):
    make.user("bob")
    other = app.test_client()
    other.post("/auth/login", data={"login": "bob", "password": PASSWORD})
    auth.login("alice")
    with app.app_context():
        bobs = db.session.scalar(select(LoginSession.id).join(User).where(User.username == "bob"))
    assert client.post(f"/auth/sessions/{bobs}/end").status_code == 404
    assert signed_in(other)


def test_an_idle_session_expires_and_a_writing_request_keeps_it_alive(app, client, auth, alice, frozen_clock):
    auth.login("alice")
    frozen_clock.advance(hours=20)
    client.post("/preview", data={"body": "still here"})
    frozen_clock.advance(hours=20)
    assert signed_in(client)
    frozen_clock.advance(hours=25)
    assert not signed_in(client)


def test_sessions_from_before_this_release_are_logged_out(app, client, alice):
    with client.session_transaction() as session:
        session["_user_id"] = str(alice.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_logout_needs_the_csrf_token(app, client, auth, alice, monkeypatch):
    auth.login("alice")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/auth/logout").status_code == 400
    assert signed_in(client)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert not signed_in(client)


def test_the_language_form_needs_the_csrf_token_when_signed_in(app, client, auth, alice, monkeypatch):
    auth.login("alice")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/auth/language", data={"locale": "de"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, alice.id).locale is None
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/auth/language", data={"locale": "de", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(User, alice.id).locale == "de"


def test_an_anonymous_language_switch_from_another_site_is_refused(client, monkeypatch, app):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/auth/language", data={"locale": "de"},
                       headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}).status_code == 403
    response = client.post("/auth/language", data={"locale": "de"},
                           headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 302
    assert client.post("/auth/language", data={"locale": "xx"}).status_code == 400
    assert "csrf-token" not in client.get("/").get_data(as_text=True), "anonymous pages stay token-free"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "/\r\nLocation: https://evil.example", "javascript:alert(1)", "http:/evil.example", "/ok\x7f",
])
def test_next_never_leaves_the_site(client, alice, target):
    """Also no 500: a line break in `next` used to fail after a successful login."""
    response = client.post("/auth/login", query_string={"next": target},
                           data={"login": "alice", "password": PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    response = client.post("/auth/language", query_string={"next": target}, data={"locale": "de"})
    assert (response.status_code, response.headers["Location"]) == (302, "/")


def test_next_keeps_a_local_path(client, alice):
    response = client.post("/auth/login", query_string={"next": "/threads/1?x=1"},
                           data={"login": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/threads/1?x=1"


def test_old_finished_logins_are_deleted_at_the_next_login(app, client, auth, alice, frozen_clock):
    auth.login("alice")
    auth.logout()
    auth.login("alice")
    frozen_clock.advance(days=32)
    auth.login("alice")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(LoginSession.id))) == 1, "only the new login is left"
