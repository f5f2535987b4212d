"""Several server processes: Socket.IO messages and rate-limit counters travel through Redis."""
import os
import socket
import subprocess
import sys
import threading
from datetime import datetime, timezone

import pytest
import redis
import socketio as socketio_client
from werkzeug.serving import make_server

from app import clock, create_app
from app.extensions import limiter
from tests.conftest import PASSWORD

pytestmark = pytest.mark.redis


@pytest.fixture()
def redis_url():
    url = os.environ["PEERDESK_TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture()
def queued_server(database_url, redis_url):
    """A real server whose Socket.IO uses the Redis queue (the test client refuses queues)."""
    app = create_app("testing", {"DATABASE_URL": database_url, "SOCKETIO_MESSAGE_QUEUE": redis_url})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def test_an_emit_from_another_process_reaches_connected_clients(queued_server, redis_url):
    """What `flask sla sweep` from cron does: emit through the queue, never serve a client."""
    with socketio_client.SimpleClient() as client:
        client.connect(queued_server, transports=["polling"])
        assert client.call("join_list", {}, timeout=10) == {"ok": True}
        emitter = ("from flask_socketio import SocketIO; import sys; "
                   "SocketIO(message_queue=sys.argv[1]).emit('thread_list_update', "
                   "{'thread_id': 7, 'kind': 'escalated'}, to='threads')")
        subprocess.run([sys.executable, "-c", emitter, redis_url], check=True, timeout=30)
        assert client.receive(timeout=10) == ["thread_list_update", {"thread_id": 7, "kind": "escalated"}]


def test_rate_limit_counters_are_shared_in_redis(database_url, redis_url, make):
    db_index = redis_url.rsplit("/", 1)[-1]
    app = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": redis_url,
                                 "RATELIMIT_LOGIN": "2 per minute"})
    make.user("alice")
    first, second = app.test_client(), app.test_client()
    statuses = [first.post("/api/v1/tokens", auth=("alice", "wrong-password-1")).status_code,
                second.post("/api/v1/tokens", auth=("alice", "wrong-password-1")).status_code,
                first.post("/api/v1/tokens", auth=("alice", "wrong-password-1")).status_code]
    assert statuses == [401, 401, 429]
    assert redis.Redis.from_url(redis_url).keys("LIMITS*"), f"no limiter keys in Redis db {db_index}"
    limiter.reset()


GUESSES_FROM_ANOTHER_PROCESS = """
import sys
from app import create_app
app = create_app("testing", {"DATABASE_URL": sys.argv[1], "RATELIMIT_STORAGE_URI": sys.argv[2]})
client = app.test_client()
print(" ".join(str(client.post("/api/v1/tokens", auth=("alice", f"wrong-{n}"),
                               environ_base={"REMOTE_ADDR": f"10.1.0.{n}"}).status_code) for n in range(3)))
"""


def test_login_failures_in_another_process_throttle_the_account_here(database_url, redis_url, make):
    """The per-account login back-off counts every server process's attempts (form and API alike)."""
    make.user("alice")
    other = subprocess.run([sys.executable, "-c", GUESSES_FROM_ANOTHER_PROCESS, database_url, redis_url],
                           check=True, timeout=60, capture_output=True, text=True)
    assert other.stdout.split() == ["401", "401", "401"]
    app = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": redis_url})
    client = app.test_client()
    statuses = [client.post("/api/v1/tokens", auth=("alice", "wrong-here")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert redis.Redis.from_url(redis_url).keys("*peerdesk/login/*"), "the counts live in Redis"
    refused = client.post("/auth/login", data={"login": "alice", "password": PASSWORD})
    assert refused.status_code == 429
    clock.FrozenClock(datetime.now(timezone.utc)).advance(seconds=int(refused.headers["Retry-After"]) + 1)
    assert client.post("/auth/login", data={"login": "alice", "password": PASSWORD}).status_code == 302
    limiter.reset()
