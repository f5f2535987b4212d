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
    assert "Too many requests" in pages[-1].get_data(as_text=True)


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
