"""The production set started for real: nginx, two gunicorn processes, the jobs process, PostgreSQL, Redis.

`make test-deploy` (the leg runs when nginx is installed) starts it with
deploy/local.py exactly as `make deploy-local` does, in a temporary run
directory with a database of its own, and stops it afterwards. Which
process served a request is read from nginx's access log, which names the
upstream; a route cookie chosen by the test pins a client to a process.
"""
import base64
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
import socketio

from deploy.local import REPO_ROOT, Deployment

pytestmark = pytest.mark.deploy

DEMO_PASSWORD = "peerdesk-demo-2026"
LOGIN_LIMIT = 5
PATIENCE = 30.0


def _server_url(database_url: str) -> str:
    return database_url.rsplit("/", 1)[0]


@pytest.fixture(scope="module")
def deployment():
    # Not under pytest's tmp_path: other pytest sessions on the machine prune those while we run.
    run_dir = Path(tempfile.mkdtemp(prefix="peerdesk-deploy-test-"))
    database = f"{_server_url(os.environ['PEERDESK_TEST_DATABASE_URL'])}/peerdesk_deploy_{uuid.uuid4().hex[:10]}"
    command = [sys.executable, str(REPO_ROOT / "deploy" / "local.py")]
    common = ["--run-dir", str(run_dir)]
    try:
        started = subprocess.run(
            [*command, "start", *common, "--processes", "2", "--threads", "20", "--database-url", database,
             "--redis-url", os.environ["PEERDESK_TEST_REDIS_URL"], "--set",
             f"RATELIMIT_LOGIN={LOGIN_LIMIT} per minute", "--set", "SEARCH_INDEXER_INTERVAL_SECONDS=1"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        yield Deployment.load(run_dir)
    finally:
        subprocess.run([*command, "stop", *common, "--drop-database"], timeout=120)
        shutil.rmtree(run_dir, ignore_errors=True)


class Routes:
    """Route cookies that pin a client to one server process, found by asking nginx."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.log = Path(deployment.run_dir) / "logs" / "peerdesk-access.log"
        self.key_by_port = {}
        for attempt in range(200):
            key = f"probe-{attempt}"
            self.key_by_port.setdefault(self.upstream_port(key), key)
            if len(self.key_by_port) == len(deployment.server_ports):
                break
        assert sorted(self.key_by_port) == sorted(deployment.server_ports)

    def upstream_port(self, key: str) -> int:
        response = requests.get(self.deployment.url + "/api/v1/categories", cookies={"peerdesk_route": key},
                                timeout=10)
        assert response.status_code == 200
        return self.served_by(f'"GET /api/v1/categories HTTP/1.1" 200', key)

    def served_by(self, request_text: str, key: str) -> int:
        """The upstream port of the latest logged request with this text and route key."""
        pattern = re.compile(re.escape(request_text) + r".* upstream=127\.0\.0\.1:(\d+) route=" + re.escape(key) + "$")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ports = [int(match.group(1)) for line in self.log.read_text().splitlines()
                     if (match := pattern.search(line))]
            if ports:
                return ports[-1]
            time.sleep(0.05)
        raise AssertionError(f"nginx logged no {request_text!r} for route {key}")

    def session(self, port: int) -> requests.Session:
        session = requests.Session()
        session.cookies.set("peerdesk_route", self.key_by_port[port])
        return session


@pytest.fixture(scope="module")
def routes(deployment):
    return Routes(deployment)


@pytest.fixture(scope="module")
def tokens(deployment):
    """Taken before any test spends the login budget of 127.0.0.1."""
    result = {}
    for username in ("alice", "bob"):
        response = requests.post(deployment.url + "/api/v1/tokens", auth=(username, DEMO_PASSWORD), timeout=10)
        assert response.status_code == 201, response.text
        result[username] = response.json()["token"]
    return result


def _ask(session: requests.Session, url: str, token: str, title: str, body: str) -> int:
    response = session.post(url + "/api/v1/threads", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                            json={"title": title, "body": body, "category": "printers", "tags": ["deploy"]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_pages_are_served_through_nginx_by_every_process(deployment, routes, tokens):
    for port in deployment.server_ports:
        browser = routes.session(port)
        home = browser.get(deployment.url + "/", timeout=10)
        assert home.status_code == 200 and "Peerdesk" in home.text
        first_thread = browser.get(deployment.url + "/api/v1/threads", timeout=10).json()["items"][0]
        assert first_thread["url"].startswith(deployment.url + "/"), "the app must see the public host"
        thread = browser.get(first_thread["url"], timeout=10)
        assert thread.status_code == 200 and first_thread["title"] in thread.text
        assert browser.get(deployment.url + "/kb", timeout=10).status_code == 200
        assert routes.served_by('"GET /kb HTTP/1.1" 200', routes.key_by_port[port]) == port
    stylesheet = requests.get(deployment.url + "/static/css/peerdesk.css", timeout=10)
    assert stylesheet.status_code == 200 and stylesheet.headers["Content-Type"] == "text/css"
    assert "Cache-Control" in stylesheet.headers, "static files come from nginx, with an expiry"


def test_a_browser_gets_a_route_cookie_and_signs_in_over_plain_http(deployment):
    browser = requests.Session()
    login_page = browser.get(deployment.url + "/auth/login", timeout=10)
    assert browser.cookies.get("peerdesk_route"), "nginx hands out the route key on the first response"
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page.text).group(1)
    signed_in = browser.post(deployment.url + "/auth/login", timeout=10,
                             data={"login": "alice", "password": DEMO_PASSWORD, "csrf_token": csrf})
    assert signed_in.status_code == 200 and "alice" in signed_in.text
    assert signed_in.url == deployment.url + "/", "the redirect after login stays on nginx's address"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_an_event_raised_in_one_process_reaches_a_client_on_the_other(deployment, routes, tokens, transport):
    process_a, process_b = deployment.server_ports
    writer = routes.session(process_a)
    thread_id = _ask(writer, deployment.url, tokens["alice"], f"Live update across processes {transport}",
                     f"Does the answer reach a socket held by the other process over {transport}?")
    # Like a browser, the client sends its route cookie with every request of the session.
    with socketio.SimpleClient(http_session=routes.session(process_b)) as listener:
        listener.connect(deployment.url, transports=[transport])
        assert listener.call("join_thread", {"thread_id": thread_id}, timeout=10) == {"ok": True}
        answered = writer.post(f"{deployment.url}/api/v1/threads/{thread_id}/answers", timeout=10,
                               headers={"Authorization": f"Bearer {tokens['bob']}"},
                               json={"body": f"Yes: through Redis, over {transport}."})
        assert answered.status_code == 201, answered.text
        event, payload = listener.receive(timeout=10)
        assert (event, payload["thread_id"], payload["kind"]) == ("thread_update", thread_id, "answered")
    key_a, key_b = routes.key_by_port[process_a], routes.key_by_port[process_b]
    assert routes.served_by(f'"POST /api/v1/threads/{thread_id}/answers HTTP/1.1" 201', key_a) == process_a
    assert routes.served_by('"GET /socket.io/?', key_b) == process_b


def _login_attempt(deployment: Deployment, route_key: str, source: str, username: str = "alice") -> int:
    """A wrong password from a client address of our choosing (any 127.x.y.z reaches loopback)."""
    credentials = base64.b64encode(f"{username}:wrong-password".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", deployment.nginx_port, timeout=10,
                                            source_address=(source, 0))
    try:
        connection.request("POST", "/api/v1/tokens", headers={
            "Authorization": f"Basic {credentials}",
            "Cookie": f"peerdesk_route={route_key}"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_rate_limits_are_counted_across_processes_per_client(deployment, routes):
    keys = [routes.key_by_port[port] for port in deployment.server_ports]
    statuses = [_login_attempt(deployment, keys[attempt % 2], "127.0.0.2") for attempt in range(LOGIN_LIMIT + 1)]
    assert statuses == [401] * LOGIN_LIMIT + [429], "both processes count into one Redis counter"
    # Another account: failed logins are also counted per account, which is not what this checks.
    assert _login_attempt(deployment, keys[0], "127.0.0.3", "bob") == 401, "another client has its own budget"
    stored = redis.Redis.from_url(deployment.redis_url).keys(f"*{deployment.socketio_channel}*127.0.0.2*")
    assert stored, "the counter lives in Redis under this deployment's key prefix"


def test_search_answers_the_same_from_both_processes(deployment, routes, tokens):
    word = "quokka" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
    process_a, process_b = deployment.server_ports
    thread_id = _ask(routes.session(process_a), deployment.url, tokens["alice"],
                     f"Scanner {word} skips every second page", f"The {word} feeder skips pages since Monday.")

    def search(port: int, query: str) -> dict:
        response = routes.session(port).get(deployment.url + "/api/v1/search", params={"q": query}, timeout=10)
        assert response.status_code == 200
        return response.json()

    deadline = time.monotonic() + PATIENCE
    while not [hit for hit in search(process_b, word)["items"] if hit["thread_id"] == thread_id]:
        assert time.monotonic() < deadline, f"the jobs process did not index thread {thread_id}"
        time.sleep(0.2)
    for query in (word, "printer", "printer OR invoice", '"paper jam"', "Rechnungen"):
        from_a, from_b = search(process_a, query), search(process_b, query)
        assert from_a == from_b, query
    pages = [routes.session(port).get(deployment.url + "/search", params={"q": word}, timeout=10)
             for port in (process_a, process_b)]
    assert all(page.status_code == 200 and word in page.text for page in pages)
    assert json.dumps(search(process_a, word)).count(str(thread_id)) >= 1
