"""Rate limits answer 429 in the caller's language: JSON for the API, a page for browsers."""
from app import create_app
from app.extensions import db


def test_login_attempts_are_limited(database_url, make, app):
    make.user("alice")
    limited = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                                     "RATELIMIT_LOGIN": "2 per minute"})
    client = limited.test_client()
    statuses = [client.post("/api/v1/tokens", auth=("alice", "wrong-password-123")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    response = client.post("/api/v1/tokens", auth=("alice", "wrong-password-123"))
    assert response.get_json()["error"]["code"] == "rate_limited"
    pages = [client.post("/auth/login", data={"login": "alice", "password": "x"}) for _ in range(3)]
    assert [page.status_code for page in pages] == [400, 400, 429]
    assert "Too many requests" in pages[-1].get_data(as_text=True)
    with limited.app_context():
        db.engine.dispose()
