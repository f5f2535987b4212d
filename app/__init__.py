"""Application factory: extensions, blueprints, socket handlers, CLI and error handlers."""
import logging
import os

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from flask_talisman import Talisman
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, INSTANCE_DIR, normalise_database_url

from app.extensions import babel, csrf, db, limiter, login_manager, mail, socketio

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    # 'self' covers ws:// and wss:// to this same host (CSP Level 3): sockets reach only the site's own origin.
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def select_locale() -> str:
    """The user's saved choice, then the session's, then the browser's languages."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config_name: str | None = None, overrides: dict | None = None, *, serving: bool = False) -> Flask:
    """Build the app; `config_name` defaults to $PEERDESK_CONFIG, then "development".

    `serving=True` (wsgi.py) leaves out the command-line commands, `flask db` included: a server
    process never runs them, and what they import (Alembic, the vector store with numpy, the
    importers) is a fifth of a worker's memory.
    """
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    config_class = CONFIGS[config_name or os.environ.get("PEERDESK_CONFIG", "development")]
    app.config.update(config_class.from_environment())
    app.config.update(overrides or {})
    if "DATABASE_URL" in (overrides or {}):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(overrides["DATABASE_URL"])
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (environment variable SECRET_KEY) outside development.")
    _configure_database(app)
    from app import input_guard

    input_guard.install(app)

    db.init_app(app)
    _size_sqlite_cache(app)
    from app import events

    events.install()
    if not serving:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(_repo_path("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(_translation_directories()))
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    # Same origin unless configured (None): another site cannot open a socket with a staff member's cookie.
    mail.init_app(app)
    socketio.init_app(app, async_mode="threading", message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"] or None,
                      channel=app.config["SOCKETIO_CHANNEL"],
                      cors_allowed_origins=app.config["SOCKETIO_ALLOWED_ORIGINS"] or None)
    _trust_proxies(app)
    Talisman(app, content_security_policy=CONTENT_SECURITY_POLICY, force_https=app.config["FORCE_HTTPS"],
             session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False))

    from app.converters import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    _register_blueprints(app)
    _register_template_helpers(app)
    from app import pagecache

    pagecache.install(app)

    from app.realtime import events  # noqa: F401  (registers the socket handlers)
    _subscribe_event_consumers()
    if not serving:
        from app.cli import register_cli

        register_cli(app)
    logging.getLogger("peerdesk").setLevel(logging.INFO)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind nginx every request comes from the proxy's address: without this, rate limits
    would count all clients as one, and the HTTPS redirect and the socket origin check would
    see plain HTTP. Only the last TRUSTED_PROXIES hops of X-Forwarded-* are believed, so a
    client cannot forge its address. Wraps the Socket.IO middleware too (it sits inside)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def _repo_path(name: str):
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / name


def _translation_directories() -> list[str]:
    """The shared catalog plus one beside each area that has its own (app/<area>/translations)."""
    root = _repo_path("app")
    return [str(root / "translations")] + sorted(str(path) for path in root.glob("*/translations") if path.is_dir())


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and the one writer work at once; foreign keys are off by default."""
    if dbapi_connection.__class__.__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _size_sqlite_cache(app: Flask) -> None:
    """Each pooled SQLite connection keeps its own page cache (2 MiB by default), and a server holds one
    connection per busy thread: 15 MiB of a worker's memory under load bought little, since the
    operating system caches the same file once for every process (SQLITE_CACHE_KIB)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    pragma = f"PRAGMA cache_size=-{int(app.config['SQLITE_CACHE_KIB'])}"

    @event.listens_for(engine, "connect")
    def size_cache(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(pragma)
        cursor.close()


def _configure_database(app: Flask) -> None:
    """Pool sizes follow the server's threads (DATABASE_POOL_SIZE), so no request opens a connection."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    pool = {"pool_size": app.config["DATABASE_POOL_SIZE"], "max_overflow": app.config["DATABASE_MAX_OVERFLOW"]}
    if uri.startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)
        # The driver's timeout is SQLite's busy timeout: how long a write waits for the one writer.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                              {"connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]}, **pool})
        if not event.contains(Engine, "connect", _sqlite_pragmas):
            event.listen(Engine, "connect", _sqlite_pragmas)
    elif uri.startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True, **pool})


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.errors import bp as errors_bp
    from app.forum import bp as forum_bp
    from app.kb import bp as kb_bp
    from app.moderation import bp as moderation_bp
    from app.notifications import bp as notifications_bp
    from app.people import bp as people_bp
    from app.staff import bp as staff_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(forum_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(kb_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)


def _subscribe_event_consumers() -> None:
    """Who hears committed events in this process: the live-update emitter and the relay's cursor."""
    from app import events
    from app.events import relay
    from app.notifications import dispatcher
    from app.realtime import emitter

    events.subscribe(relay.note_seen)
    events.subscribe(emitter.on_event)
    events.subscribe(dispatcher.on_event)


def _register_template_helpers(app: Flask) -> None:
    from app import template_helpers

    template_helpers.register(app)
