"""`flask db upgrade` on an empty database builds exactly the schema the models describe.

The upgrade runs as the real CLI in its own process: building a second app
in the test process would rebind the shared Socket.IO server away from the
suite's app and break later socket tests.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.schema import CreateIndex

from app.extensions import db
import app.models  # noqa: F401  (registers every table on db.metadata)
from config import normalise_database_url
from tests.conftest import _fresh_postgres

ROOT = Path(__file__).resolve().parents[2]


def schema_drift(database_url: str) -> list:
    environment = {**os.environ, "PEERDESK_CONFIG": "testing", "DATABASE_URL": database_url, "FLASK_APP": "app"}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=environment,
                   check=True, capture_output=True, timeout=300)
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), db.metadata)
    finally:
        engine.dispose()


def test_migrations_match_models(tmp_path, database_url):
    if database_url.startswith("postgres"):
        fresh, drop = _fresh_postgres(database_url.rsplit("/", 1)[0] + "/test")
        try:
            assert schema_drift(fresh) == []
        finally:
            drop()
    else:
        assert schema_drift(f"sqlite:///{tmp_path / 'migrated.db'}") == []


def test_hot_filters_have_indexes(tmp_path):
    url = f"sqlite:///{tmp_path / 'indexes.db'}"
    schema_drift(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        names = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='index'"))}
    engine.dispose()
    assert {"ix_threads_status_sla_due_at", "ix_threads_category_last_activity", "ix_threads_author_id"} <= names


def test_search_gin_indexes_keep_no_pending_list(database_url):
    """Searches never scan unmerged entries: both migrations and the models turn GIN's fastupdate off."""
    if not database_url.startswith("postgres"):
        pytest.skip("GIN indexes exist on PostgreSQL only")
    fresh, drop = _fresh_postgres(database_url.rsplit("/", 1)[0] + "/test")
    try:
        schema_drift(fresh)
        engine = create_engine(normalise_database_url(fresh))
        with engine.connect() as connection:
            options = dict(connection.execute(text(
                "SELECT relname, reloptions FROM pg_class WHERE relname IN "
                "('ix_search_documents_vector', 'ix_search_documents_head_vector')")).all())
            created = db.metadata.tables["search_documents"]
            statements = [str(CreateIndex(index).compile(dialect=connection.dialect)) for index in created.indexes
                          if index.name in options]
        engine.dispose()
    finally:
        drop()
    assert options == {name: ["fastupdate=off"] for name in ("ix_search_documents_vector",
                                                             "ix_search_documents_head_vector")}
    assert len(statements) == 2 and all("WITH (fastupdate = off)" in statement for statement in statements)
