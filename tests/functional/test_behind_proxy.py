"""Behind nginx: the client's address and scheme come from the proxy's headers, and only from it.

Checked on a bare Flask app wrapped the way create_app wraps Peerdesk: building a
second Peerdesk app would re-bind the shared extensions (Socket.IO) under the
other tests.
"""
from flask import Flask, request

from app import _trust_proxies


def _app(hops):
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = hops
    _trust_proxies(app)

    @app.get("/whoami")
    def whoami():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


def test_the_last_proxy_hop_names_the_client():
    seen = _app(1).test_client().get("/whoami", headers={
        "X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "help.example.com"})
    # The client may have forged the first address; the proxy appended the second.
    assert seen.get_json() == {"addr": "198.51.100.7", "scheme": "https", "host": "help.example.com"}


def test_without_a_trusted_proxy_the_headers_are_ignored():
    seen = _app(0).test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9",
                                                         "X-Forwarded-Proto": "https"})
    assert seen.get_json() == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_production_reads_the_hop_count_from_the_environment(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    assert ProductionConfig.from_environment()["TRUSTED_PROXIES"] == 1
