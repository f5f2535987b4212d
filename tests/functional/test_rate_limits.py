"""Rate limits answer 429 in the caller's language: JSON for the API, a page for browsers."""
import pytest

from app.extensions import limiter


@pytest.fixture()
def limits_on(app, monkeypatch):
    """Switch the shared limiter on for one test and leave no counters behind."""
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "2 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_login_attempts_are_limited(client, make, limits_on):
    make.user("alice")
    statuses = [client.post("/api/v1/tokens", auth=("alice", "wrong-password-123")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    response = client.post("/api/v1/tokens", auth=("alice", "wrong-password-123"))
    assert response.get_json()["error"]["code"] == "rate_limited"
    pages = [client.post("/auth/login", data={"login": "alice", "password": "x"}) for _ in range(3)]
    assert [page.status_code for page in pages] == [400, 400, 429]
    assert "Too many login attempts: at most 2 in 1 minute." in pages[-1].get_data(as_text=True)


@pytest.fixture()
def writes_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_WRITE_PER_USER", "2 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_writes_are_limited_per_user_with_retry_after(client, make, api, writes_limited):
    make.category()
    make.user("alice")
    bob = make.user("bob")
    thread_id = make.thread(bob)
    token = api.token("alice")
    statuses = [api.call("POST", f"/api/v1/threads/{thread_id}/vote", token, json={"value": value}).status_code
                for value in (1, 0, 1)]
    assert statuses == [200, 200, 429]
    refused = api.call("POST", f"/api/v1/threads/{thread_id}/vote", token, json={"value": 0})
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # Bob has his own budget, although he writes from the same address.
    assert api.call("POST", f"/api/v1/threads/{thread_id}/answers", api.token("bob"),
                    json={"body": "My own answer for the record."}).status_code == 201


def test_the_429_says_what_was_limited_and_when_to_retry_in_english_and_german(client, make, api, writes_limited):
    make.category()
    make.user("alice")
    thread_id = make.thread(make.user("bob"))
    token = api.token("alice")
    for value in (1, 0):
        assert api.call("POST", f"/api/v1/threads/{thread_id}/vote", token, json={"value": value}).status_code == 200
    refused = api.call("POST", f"/api/v1/threads/{thread_id}/vote", token, json={"value": 1})
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 61
    message = refused.get_json()["error"]["message"]
    assert message.startswith("Too many votes: at most 2 in 1 minute. Nothing was saved; please try again in ")
    assert message.endswith("seconds.") or message.endswith("minute.")
    german = api.call("POST", f"/api/v1/threads/{thread_id}/vote", token, json={"value": 1},
                      headers={"Accept-Language": "de"})
    assert german.status_code == 429 and german.headers["Retry-After"]
    assert german.get_json()["error"]["message"].startswith(
        "Zu viele Abstimmungen: höchstens 2 in 1 Minute. Nichts wurde gespeichert; bitte versuchen Sie es in ")


def test_a_limited_page_write_names_the_action_too(client, make, auth, writes_limited):
    make.category()
    make.user("alice")
    thread_id = make.thread(make.user("bob"))
    auth.login("alice")
    for _ in range(2):
        client.post(f"/threads/{thread_id}/answers", data={"body": "short"})
    page = client.post(f"/threads/{thread_id}/answers", data={"body": "short"})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert "Too many answers: at most 2 in 1 minute." in page.get_data(as_text=True)
