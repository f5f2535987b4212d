"""Shared fixtures: one app and schema per test session, rows wiped after every test.

The database comes from PEERDESK_TEST_DATABASE_URL: unset means a SQLite
file in a temporary directory; a PostgreSQL URL gets a fresh database
created for this run and dropped afterwards.
"""
import os
import uuid
from types import SimpleNamespace
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, event, text

from app import clock, create_app
from app import request_limits
from app.extensions import db, limiter
from app.models import Category, User
from app.services import accounts, posting

PASSWORD = "correct-horse-battery"
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _fresh_postgres(url: str):
    """Create a database named for this run; return its URL and a drop function."""
    name = f"peerdesk_test_{uuid.uuid4().hex[:10]}"
    admin_url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _sep, _old = admin_url.rpartition("/")

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{name}", drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("PEERDESK_TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        fresh, drop = _fresh_postgres(url)
        yield fresh
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    application = create_app("testing", {
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("search")),
    })
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts with empty tables, empty rate-limit counters and the real clock."""
    yield
    clock.reset()
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    limiter.reset()
    request_limits._fallback_storage.reset()
    application.extensions.pop("peerdesk_banner", None)  # the rows go below without an announced change
    with application.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture()
def search_backend_kind():
    """Which backend tests/search_fixtures.py's ``search_index`` uses (a module may override it)."""
    return "whoosh"


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def frozen_clock():
    return clock.FrozenClock(START)


class Factory:
    """Builds users, categories and threads through the real services."""

    def __init__(self, app):
        self.app = app

    def user(self, username="alice", role="member") -> SimpleNamespace:
        """A plain record of the new account (id, username, role), usable outside any session."""
        with self.app.app_context():
            user = accounts.register(accounts.Registration(username, f"{username}@example.com", PASSWORD, role=role))
            return SimpleNamespace(id=user.id, username=user.username, role=user.role)

    def category(self, slug="printers", sla_minutes=240, staff_response_minutes=120, business_hours=None) -> str:
        with self.app.app_context():
            db.session.add(Category(slug=slug, name=slug.title(), description=f"All about {slug}",
                                    sla_minutes=sla_minutes, staff_response_minutes=staff_response_minutes,
                                    business_hours=business_hours))
            db.session.commit()
        return slug

    def thread(self, author: User, title="Printer shows error E42", body="It stopped printing after the update.",
               category="printers", tags=("p200",)) -> int:
        with self.app.app_context():
            user = db.session.get(User, author.id)
            return posting.ask(user, posting.QuestionDraft(title, body, category, list(tags))).id

    def answer(self, author: User, thread_id: int, body="Unplug it for thirty seconds, then retry.") -> int:
        with self.app.app_context():
            user = db.session.get(User, author.id)
            return posting.answer(user, posting.visible_thread(thread_id), body).id


@pytest.fixture()
def make(app):
    return Factory(app)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username="alice", password=PASSWORD):
        return self.client.post("/auth/login", data={"login": username, "password": password})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture()
def auth(client):
    return AuthActions(client)


@pytest.fixture()
def api(client, app):
    """Calls the JSON API with a bearer token for a given user."""

    class Api:
        def token(self, username, password=PASSWORD):
            response = client.post("/api/v1/tokens", auth=(username, password))
            assert response.status_code == 201, response.get_json()
            return response.get_json()["token"]

        def call(self, method, path, token=None, **kwargs):
            headers = kwargs.pop("headers", {})
            if token:
                headers["Authorization"] = f"Bearer {token}"
            return client.open(path, method=method, headers=headers, **kwargs)

    return Api()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture()
def count_queries(app):
    """Context manager factory counting SQL statements sent by the app's engine."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


def pytest_collection_modifyitems(config, items):
    """Mark unit tests by folder; skip tests whose service is not configured for this leg."""
    on_postgres = os.environ.get("PEERDESK_TEST_DATABASE_URL", "").startswith("postgres")
    needs = {
        "postgres": (on_postgres, "needs PEERDESK_TEST_DATABASE_URL=postgresql://… (make test-postgres)"),
        "redis": (bool(os.environ.get("PEERDESK_TEST_REDIS_URL")), "needs PEERDESK_TEST_REDIS_URL (make test-redis)"),
        "browser": (bool(os.environ.get("PEERDESK_CHROMIUM")), "needs PEERDESK_CHROMIUM (make test-browser)"),
        "deploy": (bool(os.environ.get("PEERDESK_TEST_DEPLOY")), "needs PEERDESK_TEST_DEPLOY=1 (make test-deploy)"),
    }
    for item in items:
        if "/tests/unit/" in str(item.path):
            item.add_marker(pytest.mark.unit)
        for marker, (available, reason) in needs.items():
            if item.get_closest_marker(marker) and not available:
                item.add_marker(pytest.mark.skip(reason=reason))
