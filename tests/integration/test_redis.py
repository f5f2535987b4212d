"""Several server processes: Socket.IO messages and rate-limit counters travel through Redis."""
import os
import socket
import subprocess
import sys
import threading

import pytest
import redis
import socketio as socketio_client
from werkzeug.serving import make_server

from app import create_app
from app.extensions import limiter

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
