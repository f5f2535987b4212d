"""A cron process's events reach open pages of a server process with no Redis, through the event-log relay."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio as socketio_client


ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url: str, **extra) -> dict:
    return {**os.environ, "PEERDESK_CONFIG": "testing", "DATABASE_URL": database_url, "FLASK_APP": "app",
            "SOCKETIO_MESSAGE_QUEUE": "", **extra}


@pytest.fixture()
def served(app, database_url):
    """`python wsgi.py` in its own process, relay on, as `make run` serves (no Redis)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=environment(
                                  database_url, PORT=str(port), EVENTS_RUN_RELAY_IN_SERVER="true"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


def heard_until_escalated(client) -> list[tuple[str, int]]:
    """(message, thread id) pairs up to the first escalation; earlier ones (the question itself) may come first."""
    heard = []
    while True:
        name, payload = client.receive(timeout=30)
        if payload.get("kind") == "escalated":
            return heard + [(name, payload["thread_id"])]
        heard.append((name, payload.get("thread_id")))


def test_flask_sla_sweep_in_another_process_reaches_the_askers_and_staffs_pages(
        make, frozen_clock, database_url, served):
    make.category("printers", sla_minutes=30)
    asker = make.user("alice")
    make.user("sam", role="staff")
    thread_id = make.thread(asker)
    frozen_clock.advance(days=1)
    with socketio_client.SimpleClient() as visitor, socketio_client.SimpleClient() as staff:
        visitor.connect(served, transports=["polling"], wait_timeout=30)
        assert visitor.call("join_thread", {"thread_id": thread_id}, timeout=10) == {"ok": True}
        session = requests.Session()
        session.post(f"{served}/auth/login", data={"login": "sam", "password": "correct-horse-battery"})
        staff.connect(served, transports=["polling"], wait_timeout=30, headers={"Cookie": "; ".join(
            f"{cookie.name}={cookie.value}" for cookie in session.cookies)})
        result = subprocess.run([sys.executable, "-m", "flask", "sla", "sweep"], cwd=ROOT,
                                env=environment(database_url),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "escalated 1" in result.stdout
        assert ("thread_update", thread_id) in heard_until_escalated(visitor)
        assert ("queue_update", thread_id) in heard_until_escalated(staff)
