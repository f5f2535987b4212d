"""Configuration classes.

Every key can be overridden by an environment variable of the same name
(12-factor); `Config.from_environment` does the typed conversion so a
deployment never edits code.
"""
import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _typed(raw: str, default):
    """Convert an environment string to the type of the class default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, (list, dict)):
        return json.loads(raw)
    return raw


class Config:
    SECRET_KEY = None
    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'peerdesk.db'}"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    DATABASE_POOL_SIZE = 20
    DATABASE_MAX_OVERFLOW = 80
    SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
    SQLITE_CACHE_KIB = 256
    DATABASE_BUSY_RETRY_AFTER_SECONDS = 5
    SEARCH_BACKEND = "whoosh"
    SEARCH_INDEX_DIR = str(INSTANCE_DIR / "search_index")
    SEARCH_INDEXER_INTERVAL_SECONDS = 2
    SEARCH_RUN_INDEXER_IN_SERVER = True
    # Meaning-aware similar questions and search (issue #11); needs requirements-semantic.txt.
    SEARCH_SEMANTIC = False
    SEARCH_SEMANTIC_THREADS = 1
    SEARCH_SEMANTIC_REFRESH_SECONDS = 1.0
    # Fusion settings tuned on half of bench/relevance (README, "Semantic ranking").
    SEARCH_SEMANTIC_MIN_SIMILARITY = 0.82
    SEARCH_FUSION_K = 2.0
    SEARCH_FUSION_LEXICAL_WEIGHT = 1.0
    SEARCH_FUSION_SEMANTIC_WEIGHT = 5.0
    SOCKETIO_MESSAGE_QUEUE = ""
    EVENTS_RUN_RELAY_IN_SERVER = True
    EVENTS_RELAY_INTERVAL_SECONDS = 0.25
    EVENTS_RELAY_GAP_SECONDS = 10.0
    NOTIFY_RUN_WORKER_IN_SERVER = True
    NOTIFY_WORKER_INTERVAL_SECONDS = 1.0
    NOTIFY_DISPATCH_INLINE = False
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "Peerdesk <support@peerdesk.local>"
    MAIL_FILE_DIR = str(INSTANCE_DIR / "mail")
    MAIL_MAX_ATTEMPTS = 6
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_LEASE_SECONDS = 300
    MAIL_TIMEOUT = 20
    RESOLUTION_LINK_DAYS = 14
    PASSWORD_RESET_HOURS = 2
    EMAIL_CONFIRMATION = "optional"
    EMAIL_CONFIRMATION_DAYS = 7
    SOCKETIO_CHANNEL = "flask-socketio"
    SOCKETIO_ALLOWED_ORIGINS: list = []
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = ""
    RATELIMIT_ENABLED = True
    RATELIMIT_DEFAULT = "600 per minute"
    RATELIMIT_WRITE = "30 per minute"
    RATELIMIT_LOGIN = "10 per minute"
    LOGIN_THROTTLE_FREE_ATTEMPTS = 5
    LOGIN_THROTTLE_FIRST_WAIT_SECONDS = 2
    LOGIN_THROTTLE_LONGEST_WAIT_SECONDS = 900
    LOGIN_THROTTLE_MEMORY_HOURS = 24
    RATELIMIT_WRITE_PER_USER = "20 per minute"
    MAX_BODY_CHARS = 20000
    MAX_TITLE_CHARS = 150
    MAX_TAGS = 5
    MAX_CONTENT_LENGTH = 1024 * 1024
    THREADS_PER_PAGE = 20
    API_MAX_PER_PAGE = 100
    API_TOKEN_HOURS = 24 * 30
    DEFAULT_SLA_MINUTES = 240
    DEFAULT_STAFF_RESPONSE_MINUTES = 120
    SLA_SWEEP_INTERVAL_SECONDS = 30
    SLA_RUN_SWEEP_IN_SERVER = True
    RESOLUTION_CHECK_AFTER_COMMUNITY_HOURS = 48
    AUTO_RESOLVE_AFTER_DAYS = 7
    # Moderation and trust (app.policy, app.domain.trust, app.services.moderation).
    FLAG_HIDE_THRESHOLD = 3
    PREMODERATE_FIRST_POSTS = 0
    NEW_MEMBER_POSTS_PER_HOUR = 5
    REPEAT_TEXT_WINDOW_MINUTES = 60
    REGISTRATION_MIN_FILL_SECONDS = 3
    TRUST_THRESHOLDS: dict = {}
    # Reputation points per reason, overriding app.domain.reputation.DEFAULT_POINTS (JSON object).
    REPUTATION_POINTS: dict = {}
    LANGUAGES = ["en", "de"]
    PAGE_CACHE_ENABLED = True
    PAGE_CACHE_URL = ""
    PAGE_CACHE_MAX_MB = 8.0
    PAGE_CACHE_SECONDS = 60
    PAGE_CACHE_GENERATIONS_FILE = str(INSTANCE_DIR / "pagecache.generations")
    PAGE_CACHE_IGNORED_COOKIES = ["pd_visitor", "peerdesk_route"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    LOGIN_SESSION_IDLE_HOURS = 24
    FORCE_HTTPS = False
    TRUSTED_PROXIES = 0
    WTF_CSRF_TIME_LIMIT = None

    @classmethod
    def from_environment(cls) -> dict:
        """Return this class's settings with environment overrides applied."""
        settings = {}
        for key in dir(cls):
            if not key.isupper():
                continue
            default = getattr(cls, key)
            raw = os.environ.get(key)
            settings[key] = default if raw is None else _typed(raw, default if default is not None else "")
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings["DATABASE_URL"])
        return settings


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://`/`postgresql://` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class DevelopmentConfig(Config):
    SECRET_KEY = "dev-only-not-secret"
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    DATABASE_URL = "sqlite://"
    WTF_CSRF_ENABLED = False
    # The limiter stays on, as in production, with limits no test reaches by accident.
    RATELIMIT_DEFAULT = "100000 per minute"
    RATELIMIT_WRITE = "100000 per minute"
    RATELIMIT_LOGIN = "100000 per minute"
    RATELIMIT_WRITE_PER_USER = "100000 per minute"
    SEARCH_RUN_INDEXER_IN_SERVER = False
    SLA_RUN_SWEEP_IN_SERVER = False
    EVENTS_RUN_RELAY_IN_SERVER = False
    NOTIFY_RUN_WORKER_IN_SERVER = False
    NOTIFY_DISPATCH_INLINE = True
    MAIL_FILE_DIR = ""
    SEARCH_INDEX_DIR = ""
    NEW_MEMBER_POSTS_PER_HOUR = 100000
    # Tests that write rows directly would read stale pages; the page cache's own tests switch it on.
    PAGE_CACHE_ENABLED = False
    REPEAT_TEXT_WINDOW_MINUTES = 0
    REGISTRATION_MIN_FILL_SECONDS = 0


class ProductionConfig(Config):
    FORCE_HTTPS = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
