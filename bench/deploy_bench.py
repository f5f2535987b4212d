"""Load, faults and soak against the real deployment (deploy/local.py): nginx, N processes, PostgreSQL, Redis.

    .venv/bin/python bench/deploy_bench.py seed            # 100,000 threads, 500,000 answers, 20,000 users (bulk SQL)
    .venv/bin/python bench/deploy_bench.py scale           # mixed workload against 1, 2 and 4 processes
    .venv/bin/python bench/deploy_bench.py kill            # kill -9 one server process in the middle of the load
    .venv/bin/python bench/deploy_bench.py soak            # 10 minutes at 70 % of the 2-process peak

The database (`peerdesk_bench_deploy`) is kept between phases, so the
seed runs once. Every phase starts the deployment exactly as `make
deploy-local` does (with rate limits raised out of the way: one wrk
machine is one client), drives it with wrk and bench/mixed_workload.lua,
stops it, and appends its table to bench/results/deploy-<phase>.md.

The workload (per request, at random): 80 % reads, split between the
thread page, the thread list (random page) and the search page (words from
the corpus); 15 % writes, half answers and half votes, through the JSON
API with bearer tokens of 100 load users; 5 % new questions. Every answer
carries a unique word; wrk records the id and word of each answer it got a
201 for, and afterwards every one must be in the database and found by
search: an acknowledged write that is missing is a lost write.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harness import BENCH_DIR, REPO_ROOT, WORK_DIR, parse_wrk

sys.path.insert(0, str(REPO_ROOT))

from deploy import local  # noqa: E402

SERVER_URL = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "peerdesk_bench_deploy"
DATABASE_URL = f"{SERVER_URL}/{DATABASE}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
# Ports come from DEPLOY_PORTS when set (deploy/local.py), e.g. DEPLOY_PORTS=5600-5699.
RUN_DIR = WORK_DIR / "deploy"
RESULTS_DIR = BENCH_DIR / "results"
LOAD_USERS = 100
LOAD_PASSWORD = "peerdesk-bench"
SEARCH_WORDS = ("printer", "invoice", "password", "refund", "driver", "login error", "paper jam", "export",
                "wireless", "subscription")
UNLIMITED = "1000000 per minute"
BENCH_SETTINGS = [f"RATELIMIT_DEFAULT={UNLIMITED}", f"RATELIMIT_WRITE={UNLIMITED}", f"RATELIMIT_LOGIN={UNLIMITED}",
                  "NEW_MEMBER_POSTS_PER_HOUR=1000000"]


def _app_env() -> dict[str, str]:
    return {**os.environ, "PEERDESK_CONFIG": "production", "SECRET_KEY": "bench", "FORCE_HTTPS": "false",
            "DATABASE_URL": DATABASE_URL, "SEARCH_BACKEND": "postgres", "FLASK_APP": "app"}


# -- seed ------------------------------------------------------------------------------------------------

def seed(args) -> None:
    """Schema by migrations (as a deployment has it), rows by bulk SQL, then the search documents."""
    local.drop_database(DATABASE_URL)
    local.ensure_database(DATABASE_URL)
    env = _app_env()
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True)
    os.environ.update(env)
    from sqlalchemy import insert, text
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.extensions import db
    from app.models import User
    from seeding import SeedSize, seed_forum

    app = create_app("production")
    with app.app_context():
        print(f"seeding {args.threads:,} threads × {args.answers} answers, {args.users:,} users…", flush=True)
        report = seed_forum(SeedSize(threads=args.threads, answers_per_thread=args.answers, users=args.users))
        print(report.summary(), flush=True)
        password_hash = generate_password_hash(LOAD_PASSWORD)
        with db.engine.begin() as connection:
            first = connection.scalar(text("SELECT max(id) FROM users")) + 1
            connection.execute(insert(User.__table__), [
                {"id": first + n, "username": f"load{n:03d}", "email": f"load{n:03d}@example.com",
                 "password_hash": password_hash, "role": "member", "reputation": 5000,
                 "created_at": _year_ago()} for n in range(LOAD_USERS)])
            connection.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"))
        db.engine.dispose()
    started = time.perf_counter()
    bulk_search_documents()
    reindex = time.perf_counter() - started
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc", "VACUUM ANALYZE"], check=True)
    (WORK_DIR / "deploy-seed.json").write_text(json.dumps({
        "threads": args.threads, "answers": args.threads * args.answers, "users": args.users + LOAD_USERS,
        "seed": report.summary(), "reindex_seconds": round(reindex, 1)}))
    print(f"search reindex: {reindex:.0f} s", flush=True)


_TEXT = "regexp_replace({html}, '<[^>]+>', ' ', 'g')"


def _weighted(expression: str, letter: str) -> str:
    return " || ".join(f"setweight(to_tsvector('{config}', {expression}), '{letter}')"
                       for config in ("peerdesk_english", "peerdesk_german"))


BULK_DOCUMENTS = f"""
    INSERT INTO search_documents (thread_id, vector, head_vector, title, tags, category, status, score, standing,
                                  created_at, version, highlight_source, accepted_excerpt)
    SELECT t.id,
           {_weighted('t.title', 'A')} || {_weighted("coalesce(tg.tag_text, '')", 'B')}
           || {_weighted('q.text', 'C')} || {_weighted("coalesce(acc.text, '')", 'C')}
           || {_weighted("coalesce(oth.text, '')", 'D')},
           {_weighted('t.title', 'A')} || {_weighted("coalesce(tg.tag_text, '')", 'B')},
           t.title, coalesce(tg.tags, '{{}}'), c.slug, t.status, t.score,
           CASE WHEN t.status = 'resolved' THEN 2 WHEN acc.text IS NOT NULL THEN 1 ELSE 0 END,
           t.created_at, 'bulk-seed', left(q.text, 400) || E'\\n' || left(coalesce(acc.text, oth.text, ''), 200),
           left(coalesce(acc.text, ''), 200)
    FROM threads t JOIN categories c ON c.id = t.category_id
    CROSS JOIN LATERAL (SELECT {_TEXT.format(html='t.body_html')} AS text) q
    LEFT JOIN LATERAL (SELECT string_agg(tags.name, ' ') AS tag_text,
                              array_agg(lower(tags.name))::varchar(32)[] AS tags
                       FROM thread_tags tt JOIN tags ON tags.id = tt.tag_id WHERE tt.thread_id = t.id) tg ON true
    LEFT JOIN LATERAL (SELECT {_TEXT.format(html='a.body_html')} AS text FROM answers a
                       WHERE a.id = t.accepted_answer_id) acc ON true
    LEFT JOIN LATERAL (SELECT string_agg({_TEXT.format(html='a.body_html')}, E'\\n') AS text FROM answers a
                       WHERE a.thread_id = t.id AND a.id IS DISTINCT FROM t.accepted_answer_id) oth ON true
    WHERE t.id BETWEEN %(low)s AND %(high)s
    ON CONFLICT (thread_id) DO NOTHING
"""


def bulk_search_documents(chunk: int = 10_000) -> None:
    """The search documents `flask search reindex` would write, computed inside PostgreSQL.

    reindex reads and writes one document at a time through Python (about 20 a second on
    this shared machine: over an hour for 100,000); the same vectors built in SQL take
    minutes. The GIN index is built once at the end, as a bulk load should. Answers
    written during the benchmark go through the app's own in-transaction path.
    """
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={DATABASE}", autocommit=True) as connection:
        connection.execute("DROP INDEX IF EXISTS ix_search_documents_vector")
        high = connection.execute("SELECT max(id) FROM threads").fetchone()[0]
        for low in range(1, high + 1, chunk):
            connection.execute(BULK_DOCUMENTS, {"low": low, "high": low + chunk - 1})
            print(f"  search documents up to thread {min(low + chunk - 1, high):,}", flush=True)
        connection.execute("CREATE INDEX ix_search_documents_vector ON search_documents USING gin (vector)")
        connection.execute("INSERT INTO search_words (word) SELECT word FROM ts_stat("
                           "'SELECT to_tsvector(''simple'', title) FROM threads') "
                           "WHERE length(word) BETWEEN 3 AND 64 ON CONFLICT DO NOTHING")


def _year_ago():
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone.utc) - timedelta(days=365)


def seed_facts() -> dict:
    return json.loads((WORK_DIR / "deploy-seed.json").read_text())


# -- the deployment and the load ---------------------------------------------------------------------------

def start_deployment(processes: int) -> local.Deployment:
    local.stop(RUN_DIR)
    return local.start(RUN_DIR, processes, DATABASE_URL, REDIS_URL, "postgres", demo_data=False,
                       extra=local._settings(BENCH_SETTINGS), threads=100)


def load_tokens(url: str) -> Path:
    """Bearer tokens of the load users, one per line, for the Lua script.

    Kept from an earlier phase when they still work (they live in the database): issuing 100
    checks 100 password hashes, minutes on a busy machine.
    """
    import base64

    path = WORK_DIR / "deploy-tokens.txt"
    if path.exists() and _token_works(url, path.read_text().split()[-1]):
        return path
    tokens = []
    for n in range(LOAD_USERS):
        credentials = base64.b64encode(f"load{n:03d}:{LOAD_PASSWORD}".encode()).decode()
        request = urllib.request.Request(url + "/api/v1/tokens", method="POST",
                                         headers={"Authorization": f"Basic {credentials}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens.append(json.load(response)["token"])
    path.write_text("\n".join(tokens) + "\n")
    return path


def _token_works(url: str, token: str) -> bool:
    request = urllib.request.Request(url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


@dataclass
class LoadRun:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    acks: Path


def run_load(url: str, duration: str, connections: int, tokens: Path, label: str, delay_ms: float = 0) -> LoadRun:
    """wrk with the mixed workload; `delay_ms` paces each connection (the soak's fixed rate)."""
    facts = seed_facts()
    acks = WORK_DIR / f"deploy-acks-{label}"
    acks.mkdir(parents=True, exist_ok=True)
    for old in acks.glob("*.txt"):
        old.unlink()
    words = WORK_DIR / "deploy-search-words.txt"
    words.write_text("\n".join(word.replace(" ", "+") for word in SEARCH_WORDS) + "\n")
    env = {**os.environ, "BENCH_TOKENS": str(tokens), "BENCH_ACKS": str(acks), "BENCH_WORDS": str(words),
           "BENCH_THREADS": str(facts["threads"]), "BENCH_ANSWERS": str(facts["answers"]),
           "BENCH_PAGES": str(facts["threads"] // 20), "BENCH_DELAY_MS": str(delay_ms), "BENCH_LABEL": label}
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency", "--timeout", "30s",
               "-s", str(BENCH_DIR / "mixed_workload.lua"), url]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    (WORK_DIR / f"deploy-wrk-{label}.txt").write_text(completed.stdout + completed.stderr)
    result = parse_wrk(completed.stdout)
    return LoadRun(label, result.requests_per_second, result.p50_ms, result.p99_ms, result.requests,
                   result.errors, acks)


def acknowledged(acks: Path) -> dict[int, str]:
    """Answer id → its unique word, for every answer wrk got a 201 for."""
    found = {}
    for path in acks.glob("*.txt"):
        for line in path.read_text().splitlines():
            answer_id, _sep, word = line.partition(" ")
            if answer_id.isdigit() and word:
                found[int(answer_id)] = word
    return found


def verify_acknowledged(url: str, acks: Path) -> dict:
    """Every acknowledged answer is in the database with its word, and search finds its thread."""
    import psycopg

    expected = acknowledged(acks)
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={DATABASE}") as connection:
        rows = dict(connection.execute("SELECT id, body_source FROM answers WHERE id = ANY(%s)",
                                       (list(expected),)).fetchall())
        threads = dict(connection.execute("SELECT id, thread_id FROM answers WHERE id = ANY(%s)",
                                          (list(expected),)).fetchall())
    missing = [answer_id for answer_id, word in expected.items() if word not in rows.get(answer_id, "")]
    not_found = []
    for answer_id, word in expected.items():
        if answer_id in missing:
            continue
        with urllib.request.urlopen(f"{url}/api/v1/search?q={word}", timeout=30) as response:
            items = json.load(response)["items"]
        if threads[answer_id] not in {item["thread_id"] for item in items}:
            not_found.append(answer_id)
    return {"acknowledged": len(expected), "missing_in_database": len(missing), "not_found_by_search": len(not_found)}


# -- machine noise -------------------------------------------------------------------------------------------

class CpuWatch:
    """CPU time used by everything else on the machine while a run lasts (a shared machine's noise)."""

    def __init__(self, own_pids_of):
        self.own_pids_of = own_pids_of

    @staticmethod
    def _ticks() -> dict[int, int]:
        ticks = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        return ticks

    def __enter__(self):
        self.started, self.before = time.monotonic(), self._ticks()
        return self

    def __exit__(self, *_):
        after, seconds = self._ticks(), time.monotonic() - self.started
        own = set(self.own_pids_of())
        hz = os.sysconf("SC_CLK_TCK")
        used = {pid: after[pid] - self.before.get(pid, 0) for pid in after}
        self.others_cores = sum(t for pid, t in used.items() if pid not in own) / hz / seconds
        self.ours_cores = sum(t for pid, t in used.items() if pid in own) / hz / seconds


def own_pids(deployment: local.Deployment) -> list[int]:
    pids = [*deployment.server_pids, deployment.jobs_pid, deployment.nginx_pid or 0]
    pids += [pid for pid in deployment.worker_pids() if pid]
    pids += local._children(deployment.nginx_pid or 0)
    pids += [int(p) for p in subprocess.run(["pgrep", "-x", "wrk"], capture_output=True, text=True).stdout.split()]
    pids += [int(p) for p in subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()]
    return pids


def rss_mib(deployment: local.Deployment) -> list[float]:
    sizes = []
    for pid in deployment.worker_pids():
        try:
            line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmRSS"))
            sizes.append(int(line.split()[1]) / 1024)
        except (OSError, StopIteration):
            sizes.append(float("nan"))
    return sizes


# -- phases ----------------------------------------------------------------------------------------------------

def _row(run: LoadRun, extra: str = "") -> str:
    return (f"| {run.label} | {run.requests_per_second:,.1f} | {run.p50_ms:.0f} ms | {run.p99_ms:.0f} ms "
            f"| {run.errors} |{extra}")


def scale(args) -> None:
    results = {}
    lines = []
    for processes in args.processes:
        deployment = start_deployment(processes)
        try:
            tokens = load_tokens(deployment.url)
            run_load(deployment.url, args.warmup, args.connections, tokens, f"warmup-{processes}")
            runs = []
            for repeat in range(args.repeats):
                with CpuWatch(lambda: own_pids(deployment)) as watch:
                    run = run_load(deployment.url, args.duration, args.connections, tokens,
                                   f"{processes}p-run{repeat + 1}")
                print(f"  {processes} processes, run {repeat + 1}: {run.requests_per_second:,.1f} req/s, "
                      f"p50 {run.p50_ms:.0f} ms, p99 {run.p99_ms:.0f} ms, errors {run.errors}; "
                      f"others used {watch.others_cores:.2f} cores", flush=True)
                runs.append((run, watch.others_cores))
            verified = verify_acknowledged(deployment.url, runs[-1][0].acks)
        finally:
            local.stop(RUN_DIR)
        results[processes] = runs
        rps = statistics.median(run.requests_per_second for run, _ in runs)
        p50 = statistics.median(run.p50_ms for run, _ in runs)
        p99 = statistics.median(run.p99_ms for run, _ in runs)
        errors = sum(run.errors for run, _ in runs)
        noise = max(other for _, other in runs)
        lines.append((processes, rps, p50, p99, errors, noise, [run.requests_per_second for run, _ in runs], verified))
    base = lines[0][1]
    (WORK_DIR / "deploy-scale.json").write_text(json.dumps({str(processes): rps for processes, rps, *_ in lines}))
    facts = seed_facts()
    table = ["| processes | req/s (median of runs) | runs | p50 | p99 | errors | × 1 process | other load (cores) | acked answers lost |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for processes, rps, p50, p99, errors, noise, each, verified in lines:
        table.append(f"| {processes} | {rps:,.1f} | {' / '.join(f'{r:,.0f}' for r in each)} | {p50:.0f} ms "
                     f"| {p99:.0f} ms | {errors} | {rps / base:.2f} | {noise:.2f} | "
                     f"{verified['missing_in_database']} missing, {verified['not_found_by_search']} unfound "
                     f"of {verified['acknowledged']} |")
    text = "\n".join([
        "# Deployment scaling: mixed workload through nginx",
        "",
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores shared by wrk, nginx, "
        f"PostgreSQL, Redis, the servers and whatever else runs; load average {os.getloadavg()[0]:.1f} at the end, "
        "which counts this benchmark's own processes (the column \"other load\" measures everyone else's)",
        f"- PostgreSQL: {facts['threads']:,} threads, {facts['answers']:,} answers, {facts['users']:,} users "
        f"({facts['seed']}; search documents built in SQL in {facts['reindex_seconds']:.0f} s); search backend postgres",
        f"- deploy/local.py: N × gunicorn (1 worker, gthread, 100 threads) behind nginx (route-cookie hashing), "
        f"`flask jobs`, Redis for Socket.IO and rate limits (limits raised: one wrk host is one client)",
        f"- wrk -t2 -c{args.connections} -d{args.duration} --latency, bench/mixed_workload.lua: 80 % reads "
        f"(thread page 40 %, list page 20 %, search page 20 %), 15 % writes (answers 7.5 %, votes 7.5 %), "
        f"5 % new questions; {args.warmup} warm-up per deployment; {args.repeats} runs each",
        "",
        *table,
        "",
        "`other load` is the CPU (in cores) that processes outside this benchmark used during the run: "
        "the noise from the machine's other tenants. On 2 cores the ceiling for any number of processes "
        "is what 2 cores give once wrk, nginx, PostgreSQL and Redis have taken their share.",
        "",
    ])
    _write("scale", text)


def _write(phase: str, text: str) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"deploy-{phase}.md"
    path.write_text(text)
    print("\n" + text + f"\nWritten to {path.relative_to(REPO_ROOT)}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", nargs="?", default="all", choices=("all", "seed", "scale", "kill", "soak"))
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=5)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--processes", type=lambda v: [int(n) for n in v.split(",")], default=[1, 2, 4])
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--warmup", default="5s")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=None, help="soak: the peak in requests/s (default: the last "
                        "scale run's 2-process median)")
    parser.add_argument("--soak-share", type=float, default=0.7)
    parser.add_argument("--watchers", type=int, default=20, help="kill: Socket.IO clients")
    parser.add_argument("--kill-after", type=float, default=10.0, help="kill: seconds into the run")
    args = parser.parse_args(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    phases = {"seed": seed, "scale": scale, "kill": kill, "soak": soak}
    for phase in phases if args.phase == "all" else [args.phase]:
        phases[phase](args)
    return 0


class SocketWatchers:
    """Browser-like Socket.IO clients spread over the processes, following the thread list.

    Like the page's script they join the list room on every (re)connect. Counts
    disconnects and reconnects, and whether each still hears a broadcast at the end.
    """

    def __init__(self, url: str, count: int):
        import requests
        import socketio

        self.clients, self.connects, self.disconnects, self.heard = [], [0] * count, [0] * count, [0] * count
        for number in range(count):
            session = requests.Session()
            session.cookies.set("peerdesk_route", f"watcher-{number}")
            client = socketio.Client(http_session=session, reconnection_delay=0.5, reconnection_delay_max=2)
            client.on("connect", self._on_connect(client, number))
            client.on("disconnect", self._on_disconnect(number))
            client.on("thread_list_update", self._on_update(number))
            client.connect(url, transports=["websocket"])
            self.clients.append(client)

    def _on_connect(self, client, number):
        def handler():
            self.connects[number] += 1
            client.emit("join_list", {})
        return handler

    def _on_disconnect(self, number):
        def handler(*_reason):
            self.disconnects[number] += 1
        return handler

    def _on_update(self, number):
        def handler(_payload):
            self.heard[number] += 1
        return handler

    def close(self):
        for client in self.clients:
            client.disconnect()


def _post_answer(url: str, token: str, thread_id: int, body: str) -> int:
    request = urllib.request.Request(f"{url}/api/v1/threads/{thread_id}/answers", method="POST",
                                     data=json.dumps({"body": body}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def kill(args) -> None:
    """Two processes under load; one is killed with SIGKILL (master and worker: nothing restarts it)."""
    deployment = start_deployment(2)
    victim_master = deployment.server_pids[0]
    victim_worker = deployment.worker_pids()[0]
    try:
        tokens = load_tokens(deployment.url)
        watchers = SocketWatchers(deployment.url, args.watchers)
        killed_at = {}

        def assassin():
            time.sleep(args.kill_after)
            os.kill(victim_master, signal.SIGKILL)
            os.kill(victim_worker, signal.SIGKILL)
            killed_at["t"] = time.monotonic()

        threading.Thread(target=assassin, daemon=True).start()
        started = time.monotonic()
        run = run_load(deployment.url, args.duration, args.connections, tokens, "kill")
        log = Path(deployment.run_dir) / "logs" / "peerdesk-access.log"
        victim_port = deployment.server_ports[0]
        after_kill = [line for line in log.read_text().splitlines() if f"127.0.0.1:{victim_port}" in line]
        time.sleep(3)  # clients reconnect with up to 2 s back-off
        heard_before = list(watchers.heard)
        status = _post_answer(deployment.url, tokens.read_text().split()[0], 1, "After the kill: still live.")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(h > b for h, b in zip(watchers.heard, heard_before)):
            time.sleep(0.2)
        still_hearing = sum(h > b for h, b in zip(watchers.heard, heard_before))
        moved = sum(1 for d in watchers.disconnects if d)
        reconnected = sum(1 for c, d in zip(watchers.connects, watchers.disconnects) if d and c > d)
        watchers.close()
        verified = verify_acknowledged(deployment.url, run.acks)
    finally:
        local.stop(RUN_DIR)
    wrk_output = (WORK_DIR / "deploy-wrk-kill.txt").read_text()
    text = "\n".join([
        "# Kill -9 one server process under load",
        "",
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 2 processes behind nginx, the mixed workload "
        f"(wrk -t2 -c{args.connections} -d{args.duration}), {args.watchers} Socket.IO clients (WebSocket) spread "
        f"over both processes by their route cookie",
        f"- {args.kill_after:.0f} s into the run, `kill -9` of process 1's gunicorn master and worker: nothing "
        "restarts it; nginx must send its clients to process 2",
        "",
        "| what | result |",
        "|---|---|",
        f"| requests / req/s | {run.requests:,} / {run.requests_per_second:,.1f} |",
        f"| p50 / p99 | {run.p50_ms:.0f} ms / {run.p99_ms:.0f} ms |",
        f"| failed requests (non-2xx or socket errors) | {run.errors} (requests in flight on the killed process) |",
        f"| socket clients on the killed process (disconnected) | {moved} of {args.watchers} |",
        f"| of those, reconnected (to process 2) | {reconnected} |",
        f"| clients hearing a broadcast after the kill (answer POST → {status}) | {still_hearing} of {args.watchers} |",
        f"| answers acknowledged with 201 | {verified['acknowledged']} |",
        f"| … missing from the database | {verified['missing_in_database']} |",
        f"| … not found by search | {verified['not_found_by_search']} |",
        "",
        "wrk's summary:",
        "",
        "```",
        wrk_output.strip(),
        "```",
        "",
    ])
    _write("kill", text)


def soak(args) -> None:
    """Minutes of load at a fixed share of the peak on 2 processes: memory, errors and acknowledged writes."""
    peak = args.rate or json.loads((WORK_DIR / "deploy-scale.json").read_text())["2"]
    target = peak * args.soak_share
    deployment = start_deployment(2)
    minutes = []
    try:
        tokens = load_tokens(deployment.url)
        run_load(deployment.url, "5s", args.connections, tokens, "soak-warmup")
        start_rss = rss_mib(deployment)
        delay_ms = max(0.0, 1000 * args.connections / target - 20)
        for minute in range(int(args.soak_minutes)):
            run = run_load(deployment.url, "60s", args.connections, tokens, f"soak-{minute + 1}", delay_ms)
            rss = rss_mib(deployment)
            minutes.append((minute + 1, run, delay_ms, rss, verify_acknowledged(deployment.url, run.acks)))
            print(f"  minute {minute + 1}: {run.requests_per_second:,.1f} req/s (target {target:,.1f}), "
                  f"errors {run.errors}, RSS {', '.join(f'{r:.0f}' for r in rss)} MiB", flush=True)
            # Pace toward the target: the delay per request of each connection, corrected by the last minute.
            delay_ms = max(0.0, delay_ms + 1000 * args.connections * (1 / target - 1 / max(run.requests_per_second, 1)))
    finally:
        local.stop(RUN_DIR)
    rows = ["| minute | req/s | p50 | p99 | errors | answers acked | lost | unfound | worker RSS MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for minute, run, _delay, rss, verified in minutes:
        rows.append(f"| {minute} | {run.requests_per_second:,.1f} | {run.p50_ms:.0f} ms | {run.p99_ms:.0f} ms "
                    f"| {run.errors} | {verified['acknowledged']} | {verified['missing_in_database']} "
                    f"| {verified['not_found_by_search']} | {' / '.join(f'{r:.0f}' for r in rss)} |")
    achieved = statistics.mean(run.requests_per_second for _m, run, *_ in minutes)
    text = "\n".join([
        f"# Soak: {len(minutes)} minutes at {args.soak_share:.0%} of the peak",
        "",
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 2 processes behind nginx; the mixed workload "
        f"paced by wrk's per-connection delay (corrected each minute), target {target:,.1f} req/s = "
        f"{args.soak_share:.0%} of the 2-process peak {peak:,.1f} req/s; achieved {achieved:,.1f} req/s on average "
        f"({achieved / peak:.0%} of the peak)",
        f"- worker RSS after the warm-up: {' / '.join(f'{r:.0f}' for r in start_rss)} MiB",
        "",
        *rows,
        "",
        f"Errors in total: {sum(run.errors for _m, run, *_ in minutes)}. Acknowledged answers in total: "
        f"{sum(v['acknowledged'] for *_x, v in minutes)}, lost: {sum(v['missing_in_database'] for *_x, v in minutes)}, "
        f"not found by search: {sum(v['not_found_by_search'] for *_x, v in minutes)}.",
        "",
    ])
    _write("soak", text)


if __name__ == "__main__":
    sys.exit(main())
