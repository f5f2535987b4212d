"""The visitor page cache as WSGI middleware, in front of Flask (as Discourse's anonymous cache).

A hit never enters Flask: no session, login, CSRF, Babel or Talisman work,
no query, no template. Only requests that carry no identity are served or
stored: GET or HEAD, no Authorization header, and no cookie except the
harmless ones named in PAGE_CACHE_IGNORED_COOKIES (a session cookie holds
the login, a flash message or the chosen language, so its presence alone
means "render"). A response is stored only when it is a 200 without
Set-Cookie and Flask did not mark it private (`REFUSE_KEY`: a session was
written, a user was logged in). Entries are keyed by scheme, host,
language (as Flask-Babel would choose it from Accept-Language), path and
query string. Pages are stored gzip-compressed: a hit sends the stored bytes to a
client that accepts gzip and inflates them for one that does not.
"""
import gzip
import logging
from http.cookies import SimpleCookie

from werkzeug.datastructures import Accept, LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from app import clock
from app.pagecache import rules
from app.pagecache.stores import Entry, shared_headers

#: Set in the WSGI environ by the app when this response must not be stored.
REFUSE_KEY = "peerdesk.pagecache.refuse"
CACHE_HEADER = "X-Page-Cache"
#: zlib's level 3: a 12 kB thread page to 29 % of its size in 0.095 ms; level 6 reaches 27 % in 0.17 ms.
GZIP_LEVEL = 3
log = logging.getLogger("peerdesk.pagecache")


class PageCacheMiddleware:
    def __init__(self, flask_app, wsgi_app, cache):
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app
        self.cache = cache
        config = flask_app.config
        self.ttl = int(config["PAGE_CACHE_SECONDS"])
        self.languages = list(config["LANGUAGES"])
        self.default_language = config["BABEL_DEFAULT_LOCALE"]
        self.ignored_cookies = frozenset(config["PAGE_CACHE_IGNORED_COOKIES"])

    def __call__(self, environ, start_response):
        tags = self._cacheable_tags(environ)
        if tags is None:
            return self.wsgi_app(environ, start_response)
        key = self._key(environ)
        try:
            entry, generations = self.cache.lookup(key, tags)
        except Exception:  # the store is down (Redis): serve the page uncached rather than fail the visitor
            log.exception("page cache lookup failed; rendering uncached")
            return self.wsgi_app(environ, start_response)
        if entry is not None and entry.generations == generations and entry.expires_at > clock.now().timestamp():
            self.cache.count("hits")
            headers, body = _as_accepted(entry, environ)
            start_response(entry.status, headers + [(CACHE_HEADER, "hit")])
            return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        self.cache.count("misses")
        return self._render_and_store(environ, start_response, key, generations)

    def _cacheable_tags(self, environ) -> tuple[str, ...] | None:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
            return None
        try:
            endpoint, view_args = self.flask_app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        tags = rules.tags_for_page(endpoint, view_args)
        if tags is not None and self._carries_identity(environ):
            self.cache.count("bypasses")
            return None
        return tags

    def _carries_identity(self, environ) -> bool:
        raw = environ.get("HTTP_COOKIE")
        if not raw:
            return False
        try:
            names = SimpleCookie(raw).keys()
        except Exception:  # an unparsable Cookie header: let Flask deal with it, uncached
            return True
        return any(name not in self.ignored_cookies for name in names)

    def _key(self, environ) -> str:
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
        language = accepted.best_match(self.languages) or self.default_language
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        return f"{environ['wsgi.url_scheme']}://{host}|{language}|{path}?{environ.get('QUERY_STRING', '')}"

    def _render_and_store(self, environ, start_response, key: str, generations: tuple[int, ...]):
        captured = {}

        def capture(status, headers, exc_info=None):
            headers = _varying_on_encoding(headers)
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers + [(CACHE_HEADER, "miss")], exc_info)

        app_iter = self.wsgi_app(environ, capture)
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        if self._storable(environ, captured):
            try:
                headers = shared_headers((name, value) for name, value in captured["headers"]
                                         if name.lower() != "content-length")
                self.cache.store(key, Entry(generations, clock.now().timestamp() + self.ttl, captured["status"],
                                            headers, gzip.compress(body, GZIP_LEVEL, mtime=0), "gzip"), self.ttl)
                self.cache.count("stores")
            except Exception:
                log.exception("page cache store failed")
        return [body]

    @staticmethod
    def _storable(environ, captured) -> bool:
        if environ["REQUEST_METHOD"] != "GET" or environ.get(REFUSE_KEY):
            return False
        if not captured.get("status", "").startswith("200"):
            return False
        for name, value in captured["headers"]:
            lowered = name.lower()
            if lowered == "set-cookie":
                return False
            if lowered == "cache-control" and ("private" in value or "no-store" in value):
                return False
        return True


def _as_accepted(entry: Entry, environ) -> tuple[list[tuple[str, str]], bytes]:
    """The stored page as this client takes it: the stored gzip bytes when it accepts gzip, else inflated."""
    if entry.encoding != "gzip":  # stored before pages were compressed (Redis outlives a deploy)
        return list(entry.headers), entry.body
    if parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"), Accept)["gzip"]:
        body, headers = entry.body, [*entry.headers, ("Content-Encoding", "gzip")]
    else:
        body, headers = gzip.decompress(entry.body), list(entry.headers)
    return headers + [("Content-Length", str(len(body)))], body


def _varying_on_encoding(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A cacheable page may be served compressed or not, so every copy of it says it varies by encoding."""
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            if "accept-encoding" not in value.lower():
                headers = [*headers[:index], (name, f"{value}, Accept-Encoding"), *headers[index + 1:]]
            return headers
    return [*headers, ("Vary", "Accept-Encoding")]
