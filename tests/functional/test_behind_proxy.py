"""Behind nginx: the client's address and scheme come from the proxy's headers, and only from it."""
from flask import request

from app import create_app


def _app(database_url, hops):
    app = create_app("testing", {"DATABASE_URL": database_url, "TRUSTED_PROXIES": hops})

    @app.get("/_whoami")
    def whoami():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


def test_the_last_proxy_hop_names_the_client(database_url):
    client = _app(database_url, 1).test_client()
    seen = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7",
                                            "X-Forwarded-Proto": "https", "X-Forwarded-Host": "help.example.com"})
    # The client may have forged the first address; the proxy appended the second.
    assert seen.get_json() == {"addr": "198.51.100.7", "scheme": "https", "host": "help.example.com"}


def test_without_a_trusted_proxy_the_headers_are_ignored(database_url):
    client = _app(database_url, 0).test_client()
    seen = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen.get_json() == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}
