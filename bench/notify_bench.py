"""Live updates, mail delivery and the fan-out cost of notifications.

1. Commit → delivery latency to N connected Socket.IO clients (default 500, websocket transport), the
   servers run as production runs them (gunicorn, deploy/gunicorn.conf.py: one gthread worker whose
   threads each hold one open WebSocket, so PEERDESK_THREADS is set to the clients per process + 50):
   a. embedded default: one server process, no Redis; the events are committed by a *separate* writer
      process, so they travel through the event-log relay (the cron case);
   b. through Redis: two server processes with SOCKETIO_MESSAGE_QUEUE, half the clients on each, the
      writer publishing through Redis at its commit;
   c. baseline: a bare Flask-SocketIO app (same async mode, same gunicorn settings, no database) that
      emits to a room of the same clients; the latency there is the fan-out alone.
   The clients live in CLIENT_PROCESSES separate processes, so the load tool does not share one
   interpreter lock with 500 sockets: python-socketio's AsyncClient when PEERDESK_BENCH_CLIENT_PYTHON
   names an interpreter with python-socketio and aiohttp (one thread per process), else its threaded
   Client (two threads per client).
   Latency = the client's receive time − the writer's time at its commit (one machine, one clock).
2. Mail: messages/s of the delivery worker against a local SMTP server (aiosmtpd).
3. The cost added to posting an answer by 200 followers: `posting.answer` timed on a thread with 0 and
   with 200 followers (the fan-out runs in the dispatcher, not in the request), plus the dispatcher's
   own time for that event.

Usage: nice -n -10 .venv/bin/python bench/notify_bench.py [--clients 500] [--events 20] [--rounds 3]
       [--mails 500] [--legs embedded,redis,mail,answer]
Ports 5300-5399 (the notify range); Redis db 12 unless PEERDESK_BENCH_REDIS_URL.
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
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS_URL = os.environ.get("PEERDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CLIENT_PROCESSES = 5
#: An interpreter with python-socketio and aiohttp (not project dependencies): the clients then run on asyncio,
#: one thread per client process instead of two per client, so the load tool takes less of the 2 cores.
CLIENT_PYTHON = os.environ.get("PEERDESK_BENCH_CLIENT_PYTHON", "")
LEGS = ("embedded", "redis", "mail", "answer")
BASELINE = "baseline: bare Flask-SocketIO emit, 1 process"
EMBEDDED = "embedded (relay, no Redis), 1 process"
REDIS = "through Redis, 2 processes"
#: How long the clients keep listening after the last commit.
SETTLE_SECONDS = 10
PORTS = iter(range(5300, 5400))

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
    """The next free port of this bench's range (5300-5399)."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5300-5399")


def wait_port(port: int, seconds: float = 120) -> None:
    """Until the worker answers an Engine.IO handshake (gunicorn's master listens before its worker is ready)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"no Socket.IO server answers on {port}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


CLIENTS = """
import json, os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
import socketio
urls, count = sys.argv[1].split(","), int(sys.argv[2])
received, lock, clients = [], threading.Lock(), []

def one(n):
    client = socketio.Client(reconnection=False)
    def on_update(event):
        now = time.time()
        with lock:
            received.append([event["id"], now, event.get("at")])
    client.on("thread_update", on_update)
    client.connect(urls[n % len(urls)], transports=["websocket"], wait_timeout=60)
    assert client.call("join_thread", {"thread_id": 1}, timeout=60) == {"ok": True}
    return client

with ThreadPoolExecutor(16) as pool:
    clients = list(pool.map(one, range(count)))
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(received), flush=True)
os._exit(0)
"""

ASYNC_CLIENTS = """
import asyncio, json, os, sys, time
import socketio
urls, count = sys.argv[1].split(","), int(sys.argv[2])
received = []

async def one(n):
    client = socketio.AsyncClient(reconnection=False)
    @client.on("thread_update")
    async def on_update(event):
        received.append([event["id"], time.time(), event.get("at")])
    await client.connect(urls[n % len(urls)], transports=["websocket"], wait_timeout=60)
    assert await client.call("join_thread", {"thread_id": 1}, timeout=60) == {"ok": True}
    return client

async def main():
    gate = asyncio.Semaphore(16)
    async def limited(n):
        async with gate:
            return await one(n)
    await asyncio.gather(*(limited(n) for n in range(count)))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    print(json.dumps(received), flush=True)
    os._exit(0)

asyncio.run(main())
"""

BARE = """
import time
from flask import Flask, jsonify, request
from flask_socketio import SocketIO, join_room
app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")

@socketio.on("join_thread")
def join(data):
    join_room("thread:1")
    return {"ok": True}

@app.get("/fire")
def fire():
    sent = []
    for n in range(int(request.args["count"])):
        at = time.time()
        socketio.emit("thread_update", {"id": n + 1, "thread_id": 1, "kind": "edited", "at": at}, to="thread:1")
        sent.append({"id": n + 1, "at": at})
        time.sleep(float(request.args["gap"]))
    return jsonify(sent)
"""


def start_server(environment: dict, port: int, threads: int, module: str, folder: Path) -> subprocess.Popen:
    """One gunicorn process as deploy/gunicorn.conf.py runs it, with enough threads for its sockets."""
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                             "-b", f"127.0.0.1:{port}", "--chdir", str(folder if module == "bare:app" else ROOT),
                             module], cwd=ROOT,
                            env={**environment, "PEERDESK_THREADS": str(threads), "PEERDESK_LOG_LEVEL": "warning",
                                 "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=open(folder / f"server-{port}.log", "w"))


def connect_clients(urls: list[str], count: int) -> list[subprocess.Popen]:
    """CLIENT_PROCESSES processes, `count` clients in all, each joined to thread 1's room."""
    share = [count // CLIENT_PROCESSES + (1 if n < count % CLIENT_PROCESSES else 0) for n in range(CLIENT_PROCESSES)]
    command = [CLIENT_PYTHON, "-c", ASYNC_CLIENTS] if CLIENT_PYTHON else [sys.executable, "-c", CLIENTS]
    workers = [subprocess.Popen(command + [",".join(urls), str(size)], cwd=ROOT, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE) for size in share if size]
    for worker in workers:
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError("a client process could not connect its clients")
    return workers


def collect(workers: list[subprocess.Popen]) -> list[list]:
    received = []
    for worker in workers:
        worker.stdin.write("stop\n")
        worker.stdin.flush()
        received += json.loads(worker.stdout.readline())
        worker.wait(timeout=60)
    return received


def live_latency(environment: dict, server_count: int, clients: int, count: int, *, bare: bool = False) -> dict:
    """Start the servers, connect the clients, let a separate writer commit (or the bare app emit) `count` events."""
    folder = Path(tempfile.mkdtemp(prefix="notify-servers-"))
    if bare:
        (folder / "bare.py").write_text(BARE)
    ports = [free_port() for _ in range(server_count)]
    threads = clients // server_count + 50
    servers = [start_server(environment, port, threads, "bare:app" if bare else "wsgi:app", folder) for port in ports]
    workers = []
    try:
        for port in ports:
            wait_port(port)
        started = time.perf_counter()
        workers = connect_clients([f"http://127.0.0.1:{port}" for port in ports], clients)
        connect_seconds = time.perf_counter() - started
        load = os.getloadavg()
        if bare:
            with urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/fire?count={count}&gap=0.5", timeout=600) as r:
                commits = {row["id"]: row["at"] for row in json.load(r)}
        else:
            writer = subprocess.run([sys.executable, "-c", WRITER, str(count), "0.5"], cwd=ROOT, env=environment,
                                    capture_output=True, text=True, timeout=600, check=True)
            commits = {line["id"]: line["at"] for line in map(json.loads, writer.stdout.splitlines())}
        time.sleep(SETTLE_SECONDS)
        received = collect(workers)
        workers = []
        latencies = [(at - commits[event_id]) * 1000 for event_id, at, _sent in received if event_id in commits]
        return {"clients": clients, "servers": server_count, "events": count, "deliveries": len(latencies),
                "expected": clients * count, "p50_ms": statistics.median(latencies),
                "p99_ms": percentile(latencies, 0.99), "max_ms": max(latencies), "connect_s": connect_seconds,
                "load": load, "load_after": os.getloadavg()}
    finally:
        for worker in workers:
            worker.kill()
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
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{folder / 'mail.db'}", "MAIL_SERVER": "127.0.0.1",
                                 "SEARCH_BACKEND": "null",
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
    return {"messages": sent, "received": Sink.received, "seconds": seconds, "per_second": sent / seconds,
            "load": os.getloadavg()}


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


def live_rounds(args, environment: dict) -> dict[str, list[dict]]:
    """Baseline and each live leg in turn, `rounds` times: load on this shared machine comes in bursts, so
    every leg is measured next to a baseline of the same minute."""
    legs: dict[str, list[dict]] = {}
    for round_number in range(args.rounds):
        runs = [(BASELINE, environment, 1, True)]
        if "embedded" in args.legs:
            runs.append((EMBEDDED, environment, 1, False))
        if "redis" in args.legs:
            runs.append((REDIS, {**environment, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL}, 2, False))
        for name, leg_environment, servers, bare in runs:
            if leg_environment.get("SOCKETIO_MESSAGE_QUEUE"):
                import redis

                redis.Redis.from_url(REDIS_URL).flushdb()
            row = live_latency(leg_environment, servers, args.clients, args.events, bare=bare)
            row["round"] = round_number + 1
            legs.setdefault(name, []).append(row)
            print(json.dumps({name: row}), flush=True)
    return legs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--legs", type=lambda value: tuple(value.split(",")), default=LEGS,
                        help="a subset of embedded,redis,mail,answer (the baseline always runs); "
                             "only a run of every leg writes the results file")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="notify-live-"))
    environment = base_environment(folder)
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=environment, check=True, timeout=120)
    legs = live_rounds(args, environment)
    results = {}
    if "mail" in args.legs:
        results["mail delivery"] = mail_throughput(args.mails)
    if "answer" in args.legs:
        results["posting an answer"] = answer_cost(args.followers)
    print(json.dumps(results, indent=1), flush=True)
    if args.legs != LEGS:
        return 0

    lines = ["# Notifications benchmark", "",
             "`" + (f"PEERDESK_BENCH_CLIENT_PYTHON={CLIENT_PYTHON} " if CLIENT_PYTHON else "")
             + " ".join(["nice -n -10 .venv/bin/python", "bench/notify_bench.py"] + sys.argv[1:]) + "`"
             + (" (the client interpreter: a venv with `python-socketio[asyncio_client]==5.18.1` and `aiohttp`)"
                if CLIENT_PYTHON else ""),
             f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, shared 2-core machine (6 sessions). "
             f"Each round runs the legs one after the other; the ratio compares a leg's p99 with the baseline "
             f"of the same round. Latency = client receive time − writer's commit time; a delivery later than "
             f"{SETTLE_SECONDS} s after the last commit counts as missing.", "",
             "| round | live updates | clients | deliveries | p50 ms | p99 ms | max ms | p99 / baseline "
             "| load avg before → after (1 min) |", "|---|---|---|---|---|---|---|---|---|"]
    for round_number in range(args.rounds):
        baseline = legs[BASELINE][round_number]
        for name, rows in legs.items():
            row = rows[round_number]
            lines.append(f"| {round_number + 1} | {name} | {row['clients']} | {row['deliveries']}/{row['expected']} | "
                         f"{row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['max_ms']:.0f} | "
                         f"{row['p99_ms'] / baseline['p99_ms']:.1f}× | "
                         f"{row['load'][0]:.1f} → {row['load_after'][0]:.1f} |")
    lines += ["", "| live updates | median p50 ms | median p99 ms | rounds with p99 < 1 s |", "|---|---|---|---|"]
    for name, rows in legs.items():
        lines.append(f"| {name} | {statistics.median(r['p50_ms'] for r in rows):.0f} | "
                     f"{statistics.median(r['p99_ms'] for r in rows):.0f} | "
                     f"{sum(r['p99_ms'] < 1000 for r in rows)}/{len(rows)} |")
    mail_row = results["mail delivery"]
    lines += ["", f"Mail delivery: {mail_row['messages']} messages in {mail_row['seconds']:.2f} s = "
                  f"**{mail_row['per_second']:.0f} messages/s** (aiosmtpd on the same machine, one SMTP "
                  f"connection per batch of 50); load average {' / '.join(f'{v:.2f}' for v in mail_row['load'])}.",
              "", "| posting an answer | answer (request) ms | dispatcher ms (outside the request) |", "|---|---|---|"]
    for label, row in results["posting an answer"].items():
        lines.append(f"| {label} | {row['answer_ms']:.1f} | {row['dispatch_ms']:.1f} |")
    out = ROOT / "bench" / "results" / "notify.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
