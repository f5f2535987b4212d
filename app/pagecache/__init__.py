"""The visitor page cache: whole pages for requests that carry no identity.

Search-engine visitors are most of Peerdesk's readers and see the same
bytes; this serves them from memory (or Redis) without entering Flask.
`install(app)` wraps the WSGI app, hooks invalidation to the commit
(app.pagecache.tracking) and registers the admin statistics page.
Configuration: PAGE_CACHE_ENABLED, PAGE_CACHE_URL (empty: this process's
memory; `redis://…`: shared), PAGE_CACHE_MAX_MB, PAGE_CACHE_SECONDS,
PAGE_CACHE_GENERATIONS_FILE, PAGE_CACHE_IGNORED_COOKIES.
"""
from flask import Flask, request, session

from app.pagecache import tracking
from app.pagecache.middleware import REFUSE_KEY, PageCacheMiddleware
from app.pagecache.stores import MemoryPageCache, RedisPageCache


def build_cache(config):
    if config["PAGE_CACHE_URL"]:
        return RedisPageCache(config["PAGE_CACHE_URL"])
    return MemoryPageCache(int(config["PAGE_CACHE_MAX_MB"] * 1024 * 1024), config["PAGE_CACHE_GENERATIONS_FILE"])


def install(app: Flask) -> None:
    from app.pagecache.routes import bp

    app.register_blueprint(bp, url_prefix="/staff/page-cache")
    app.after_request(_refuse_private_responses)
    if app.config["PAGE_CACHE_ENABLED"]:
        enable(app)


def enable(app: Flask, cache=None):
    """Put a cache in front of `app`: at start, or in a test for the app it already has."""
    cache = cache or build_cache(app.config)
    app.extensions["pagecache"] = cache
    tracking.install()
    app.wsgi_app = PageCacheMiddleware(app, app.wsgi_app, cache)
    return cache


def _refuse_private_responses(response):
    """Tell the middleware not to keep a response that wrote a session (flash, CSRF token, login)."""
    if session.modified or session:
        request.environ[REFUSE_KEY] = True
    return response

