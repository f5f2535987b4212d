"""Limits read from the configuration at request time, shared by the pages and the API."""
from flask import current_app

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
