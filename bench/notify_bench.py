"""Live updates, mail delivery and the fan-out cost of notifications.

1. Commit → delivery latency to N connected Socket.IO clients (default 500, websocket transport):
   a. embedded default: one `python wsgi.py` server process, no Redis; the events are committed by a
      *separate* writer process, so they travel through the event-log relay (the cron case);
   b. through Redis: two server processes with SOCKETIO_MESSAGE_QUEUE, half the clients on each, the
      writer publishing through Redis at its commit.
   Latency = the client's receive time − the writer's time right after its commit (one machine, one clock).
2. Mail: messages/s of the delivery worker against a local SMTP server (aiosmtpd).
3. The cost added to posting an answer by 200 followers: `posting.answer` timed on a thread with 0 and
   with 200 followers (the fan-out runs in the dispatcher, not in the request), plus the dispatcher's
   own time for that event.

Usage: .venv/bin/python bench/notify_bench.py [--clients 500] [--events 20] [--mails 500] [--skip-redis]
Results: bench/results/notify.md
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS_URL = os.environ.get("PEERDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

SEED = """
from app import create_app
from app.extensions import db
from app.models import Category, User
from app.services import accounts, posting
app = create_app()
with app.app_context():
    db.create_all()
    db.session.add(Category(slug="printers", name="Printers", description="", sla_minutes=60))
    db.session.commit()
    alice = accounts.register(accounts.Registration("alice", "alice@example.com", "a-long-enough-pass"))
    posting.ask(alice, posting.QuestionDraft("Benchmark thread for live updates", "Body of the thread.", "printers", []))
"""

WRITER = """
import sys, time, json
from app import create_app, events
from app.extensions import db
app = create_app()
count, gap = int(sys.argv[1]), float(sys.argv[2])
with app.app_context():
    for n in range(count):
        row = events.announce("edited", thread_id=1, actor_id=1)
        committing = time.time()  # subscribers (the Redis publish) run inside commit(): time it from its start
        db.session.commit()
        print(json.dumps({"id": row.id, "at": committing}), flush=True)
        time.sleep(gap)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def connect_clients(urls: list[str], count: int, received: dict) -> list:
    import socketio

    clients = []
    lock = threading.Lock()
    for n in range(count):
        client = socketio.Client(reconnection=False)

        def on_update(event, _n=n):
            now = time.time()
            with lock:
                received.setdefault(event["id"], []).append(now)

        client.on("thread_update", on_update)
        client.connect(urls[n % len(urls)], transports=["websocket"], wait_timeout=30)
        assert client.call("join_thread", {"thread_id": 1}, timeout=30) == {"ok": True}
        clients.append(client)
    return clients


def live_latency(environment: dict, server_count: int, clients: int, count: int) -> dict:
    """Start the servers, connect the clients, let a separate writer commit `count` events."""
    ports = [free_port() for _ in range(server_count)]
    servers = [subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env={**environment, "PORT": str(port)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    received: dict[int, list[float]] = {}
    connected = []
    try:
        for port in ports:
            wait_port(port)
        started = time.perf_counter()
        connected = connect_clients([f"http://127.0.0.1:{port}" for port in ports], clients, received)
        connect_seconds = time.perf_counter() - started
        writer = subprocess.run([sys.executable, "-c", WRITER, str(count), "0.5"], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=600, check=True)
        commits = {line["id"]: line["at"] for line in map(json.loads, writer.stdout.splitlines())}
        time.sleep(3)
        latencies = [(at - commits[event_id]) * 1000 for event_id, times in received.items()
                     if event_id in commits for at in times]
        expected = clients * count
        return {"clients": clients, "servers": server_count, "events": count, "deliveries": len(latencies),
                "expected": expected, "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 0.99),
                "max_ms": max(latencies), "connect_s": connect_seconds}
    finally:
        for client in connected:
            client.disconnect()
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def base_environment(folder: Path) -> dict:
    return {**os.environ, "PEERDESK_CONFIG": "testing", "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "SEARCH_INDEX_DIR": str(folder / "index"), "FLASK_APP": "app", "EVENTS_RUN_RELAY_IN_SERVER": "true",
            "NOTIFY_RUN_WORKER_IN_SERVER": "false", "NOTIFY_DISPATCH_INLINE": "false", "SOCKETIO_MESSAGE_QUEUE": "",
            "RATELIMIT_ENABLED": "false"}


def mail_throughput(count: int) -> dict:
    """Queue `count` messages and time one delivery pass against aiosmtpd on this machine."""
    from aiosmtpd.controller import Controller

    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.notifications import delivery, mail

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    folder = Path(tempfile.mkdtemp(prefix="notify-mail-"))
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{folder / 'mail.db'}", "MAIL_SERVER": "127.0.0.1", "SEARCH_BACKEND": "null",
                                 "MAIL_PORT": port})
    try:
        with app.app_context():
            db.create_all()
            user = User(username="reader", email="reader@example.com", password_hash="x", role="member")
            db.session.add(user)
            db.session.commit()
            for n in range(count):
                mail.queue(user, "bench", f"bench:{n}", f"Benchmark message {n}", "digest",
                           entries=[{"text": f"Line {n}", "url": None}], more=0, notifications_url="http://x/")
            db.session.commit()
            started = time.perf_counter()
            sent = delivery.deliver_due()
            seconds = time.perf_counter() - started
    finally:
        controller.stop()
    return {"messages": sent, "received": Sink.received, "seconds": seconds, "per_second": sent / seconds}


def answer_cost(followers: int, repeats: int = 15) -> dict:
    """Median time of posting.answer with 0 and with `followers` followers; the dispatcher's time apart."""
    from sqlalchemy import insert

    from app import create_app
    from app.extensions import db
    from app.models import Category, ThreadFollow, User
    from app.notifications import dispatcher
    from app.services import accounts, posting

    folder = Path(tempfile.mkdtemp(prefix="notify-answer-"))
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{folder / 'answer.db'}", "NOTIFY_DISPATCH_INLINE": False,
                                 "SEARCH_BACKEND": "null"})
    timings = {}
    with app.app_context():
        db.create_all()
        db.session.add(Category(slug="printers", name="Printers", description="", sla_minutes=60))
        db.session.commit()
        asker = accounts.register(accounts.Registration("asker", "asker@example.com", "a-long-enough-pass"))
        answerer = accounts.register(accounts.Registration("answerer", "answerer@example.com", "a-long-enough-pass"))
        db.session.execute(insert(User), [{"username": f"follower{n}", "email": f"f{n}@example.com",
                                           "password_hash": "x", "role": "member"} for n in range(followers)])
        db.session.commit()
        follower_ids = [user.id for user in db.session.scalars(db.select(User).where(User.username.like("follower%")))]
        for label, count in (("0 followers", 0), (f"{followers} followers", followers)):
            thread = posting.ask(asker, posting.QuestionDraft(f"Thread with {count} followers", "Body text here.",
                                                              "printers", []))
            if count:
                db.session.execute(insert(ThreadFollow), [{"user_id": user_id, "thread_id": thread.id,
                                                           "following": True} for user_id in follower_ids])
                db.session.commit()
            dispatcher.dispatch_all()
            samples, dispatch = [], []
            for n in range(repeats):
                started = time.perf_counter()
                posting.answer(answerer, posting.visible_thread(thread.id), f"Answer number {n} with some text.")
                samples.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                dispatcher.dispatch_all()
                dispatch.append((time.perf_counter() - started) * 1000)
            timings[label] = {"answer_ms": statistics.median(samples), "dispatch_ms": statistics.median(dispatch)}
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--skip-redis", action="store_true")
    args = parser.parse_args()
    results = {}

    folder = Path(tempfile.mkdtemp(prefix="notify-live-"))
    environment = base_environment(folder)
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=environment, check=True, timeout=120)
    results["embedded (relay, no Redis), 1 process"] = live_latency(environment, 1, args.clients, args.events)
    print(json.dumps(results, indent=1), flush=True)
    if not args.skip_redis:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        queued = {**environment, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL}
        results["through Redis, 2 processes"] = live_latency(queued, 2, args.clients, args.events)
        redis.Redis.from_url(REDIS_URL).flushdb()
        print(json.dumps(results, indent=1), flush=True)
    results["mail delivery"] = mail_throughput(args.mails)
    results["posting an answer"] = answer_cost(args.followers)
    print(json.dumps(results, indent=1), flush=True)

    lines = ["# Notifications benchmark", "", f"`{' '.join(['.venv/bin/python', 'bench/notify_bench.py'] + sys.argv[1:])}`",
             f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, shared 2-core machine.", "",
             "| live updates | clients | deliveries | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|---|"]
    for name, row in results.items():
        if "p50_ms" in row:
            lines.append(f"| {name} | {row['clients']} | {row['deliveries']}/{row['expected']} | "
                         f"{row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['max_ms']:.0f} |")
    mail_row = results["mail delivery"]
    lines += ["", f"Mail delivery: {mail_row['messages']} messages in {mail_row['seconds']:.2f} s = "
                  f"**{mail_row['per_second']:.0f} messages/s** (aiosmtpd on the same machine, one SMTP "
                  f"connection per batch of 50).", "", "| posting an answer | answer (request) ms | dispatcher ms |", "|---|---|---|"]
    for label, row in results["posting an answer"].items():
        lines.append(f"| {label} | {row['answer_ms']:.1f} | {row['dispatch_ms']:.1f} |")
    out = ROOT / "bench" / "results" / "notify.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
