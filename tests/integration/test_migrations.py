"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.conftest import _fresh_postgres


def schema_drift(database_url: str) -> list:
    app = create_app("testing", {"DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        db.engine.dispose()
    return diff


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
