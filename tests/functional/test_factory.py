"""The factory and configuration: class defaults, environment overrides of the same name.

Settings are read through `Config.from_environment()` rather than by building
more apps, because the extensions are shared objects and a second app would
reconfigure them for the rest of the session.
"""
import pytest

from app import create_app
from config import ProductionConfig, TestingConfig, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_environment_variables_override_typed_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("MAX_BODY_CHARS", "1234")
    monkeypatch.setenv("FORCE_HTTPS", "false")
    monkeypatch.setenv("LANGUAGES", '["de"]')
    monkeypatch.setenv("DATABASE_URL", "postgres://peerdesk@db.example/peerdesk")
    settings = ProductionConfig.from_environment()
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert settings["MAX_BODY_CHARS"] == 1234
    assert settings["FORCE_HTTPS"] is False
    assert settings["LANGUAGES"] == ["de"]
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://peerdesk@db.example/peerdesk"


def test_database_urls_are_normalised_for_psycopg3():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_testing_config_switches_off_background_work(app):
    assert app.config["TESTING"] is True
    assert app.config["SLA_RUN_SWEEP_IN_SERVER"] is False
    assert app.config["SEARCH_RUN_INDEXER_IN_SERVER"] is False
    assert TestingConfig.WTF_CSRF_ENABLED is False
