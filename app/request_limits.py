"""Limits read from the configuration at request time, shared by the pages and the API."""
from datetime import timedelta

from flask import current_app
from limits.storage import MemoryStorage

from app.extensions import limiter
from app.services.login_throttle import LoginThrottle, ThrottlePolicy

from app.services import posting


def posting_limits() -> posting.Limits:
    config = current_app.config
    return posting.Limits(max_title=config["MAX_TITLE_CHARS"], max_body=config["MAX_BODY_CHARS"],
                          max_tags=config["MAX_TAGS"])


def write_limit() -> str:
    """The rate limit of every write (a callable, so tests and deployments can change it)."""
    return current_app.config["RATELIMIT_WRITE"]


def login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


#: Used when the rate limiter is switched off: the per-account login throttle never is.
_fallback_storage = MemoryStorage()


def login_throttle() -> LoginThrottle:
    """The per-account throttle of every login route, in the rate limiter's store (Redis when configured)."""
    config = current_app.config
    storage = limiter.storage if limiter.enabled else _fallback_storage
    return LoginThrottle(storage, ThrottlePolicy(
        free_attempts=config["LOGIN_THROTTLE_FREE_ATTEMPTS"],
        first_wait=timedelta(seconds=config["LOGIN_THROTTLE_FIRST_WAIT_SECONDS"]),
        longest_wait=timedelta(seconds=config["LOGIN_THROTTLE_LONGEST_WAIT_SECONDS"]),
        memory=timedelta(hours=config["LOGIN_THROTTLE_MEMORY_HOURS"])))
