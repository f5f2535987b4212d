"""A cron process's events reach open pages of a server with no Redis, through the event log relay."""
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import socketio as socketio_client
from werkzeug.serving import make_server

from app.events.relay import Relay

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def served(app):
    """The test app on a real port, with its relay polling as `make run` does."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    with app.app_context():
        relay = Relay()
        relay.poll()

    def relay_loop():
        while not stop.is_set():
            with app.app_context():
                relay.relay_once()
            stop.wait(0.05)

    threading.Thread(target=relay_loop, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    stop.set()
    server.shutdown()


def test_flask_sla_sweep_in_another_process_reaches_the_askers_and_staffs_pages(
        app, make, frozen_clock, database_url, served):
    make.category("printers", sla_minutes=30)
    asker = make.user("alice")
    make.user("sam", role="staff")
    thread_id = make.thread(asker)
    frozen_clock.advance(days=1)
    with socketio_client.SimpleClient() as visitor, socketio_client.SimpleClient() as staff:
        visitor.connect(served, transports=["polling"], wait_timeout=30)
        assert visitor.call("join_thread", {"thread_id": thread_id}, timeout=10) == {"ok": True}
        import requests

        session = requests.Session()
        session.post(f"{served}/auth/login", data={"login": "sam", "password": "correct-horse-battery"})
        staff.connect(served, transports=["polling"], wait_timeout=30, headers={"Cookie": "; ".join(
            f"{cookie.name}={cookie.value}" for cookie in session.cookies)})
        environment = {**os.environ, "PEERDESK_CONFIG": "testing", "DATABASE_URL": database_url,
                       "FLASK_APP": "app", "SOCKETIO_MESSAGE_QUEUE": ""}
        result = subprocess.run([sys.executable, "-m", "flask", "sla", "sweep"], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "escalated 1" in result.stdout
        name, payload = visitor.receive(timeout=30)
        assert (name, payload["thread_id"], payload["kind"]) == ("thread_update", thread_id, "escalated")
        name, payload = staff.receive(timeout=30)
        assert (name, payload["thread_id"], payload["kind"]) == ("queue_update", thread_id, "escalated")
