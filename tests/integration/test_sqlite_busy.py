"""SQLite has one writer: a write that waits past the busy timeout is a 503 with Retry-After, nothing saved."""
import sqlite3

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Thread
from tests.conftest import PASSWORD


@pytest.fixture()
def busy_app(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer")
    app = create_app("testing", {"DATABASE_URL": database_url, "SQLITE_BUSY_TIMEOUT_SECONDS": 0.2,
                                 "SEARCH_BACKEND": "null"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_locked_database_answers_503_with_retry_after_and_saves_nothing(busy_app, database_url, make, api):
    make.category("printers")
    make.user("alice")
    token = api.token("alice")
    client = busy_app.test_client()
    assert client.post("/auth/login", data={"login": "alice", "password": PASSWORD}).status_code == 302
    question = {"title": "Printer shows error E42", "body": "Since the update.", "category": "printers"}
    other_writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/api/v1/threads", json=question, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.get_json()["error"]["code"] == "database_busy"
        page = client.post("/ask", data={**question, "tags": ""})
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "Nothing was saved" in page.get_data(as_text=True)
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    with busy_app.app_context():
        assert db.session.scalar(select(func.count(Thread.id))) == 0
    retried = client.post("/api/v1/threads", json=question, headers={"Authorization": f"Bearer {token}"})
    assert retried.status_code == 201


def test_each_connection_keeps_the_configured_page_cache(database_url):
    """SQLITE_CACHE_KIB sizes SQLite's own cache per pooled connection (a server holds one per busy thread)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite setting")
    app = create_app("testing", {"DATABASE_URL": database_url, "SQLITE_CACHE_KIB": 300, "SEARCH_BACKEND": "null"})
    with app.app_context():
        with db.engine.connect() as first, db.engine.connect() as second:
            sizes = [connection.exec_driver_sql("PRAGMA cache_size").scalar() for connection in (first, second)]
        db.engine.dispose()
    assert sizes == [-300, -300]
