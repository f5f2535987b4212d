"""The moving parts every bench script needs: a throw-away database, gunicorn, wrk.

Kept apart from the scripts so the forum, SLA-sweep and search benches
serve and measure the same way, and their numbers can be compared.
"""
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
#: Scratch space; PEERDESK_BENCH_DIR gives each concurrent user of the machine its own.
WORK_DIR = Path(os.environ.get("PEERDESK_BENCH_DIR", "/tmp/peerdesk-bench"))
POSTGRES_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 8


# -- databases ---------------------------------------------------------------------------------------

@contextmanager
def bench_database(kind: str, name: str) -> Iterator[str]:
    """An empty database for one run; yields its SQLAlchemy URL.

    The SQLite file is left in WORK_DIR afterwards so a profile can reuse
    it; a PostgreSQL database is created under a unique name and dropped.
    """
    if kind == "sqlite":
        yield _fresh_sqlite_file(name)
    elif kind == "postgres":
        with _scratch_postgres_database(f"peerdesk_bench_{name}_{os.getpid()}") as url:
            yield url
    else:
        raise ValueError(f"unknown database {kind!r}; use sqlite or postgres")


def _fresh_sqlite_file(name: str) -> str:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path = WORK_DIR / f"{name}.db"
    for leftover in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


@contextmanager
def _scratch_postgres_database(database: str) -> Iterator[str]:
    admin = create_engine(POSTGRES_SERVER_URL + "postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        yield POSTGRES_SERVER_URL + database
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


# -- servers -----------------------------------------------------------------------------------------

def production_python() -> str:
    """The python of a virtualenv with requirements.txt only, built once and reused; returns its path.

    A deployment installs requirements.txt and nothing else (README, "Deployment"). The bench's own
    .venv also holds the test requirements, and python-socketio imports its client, which imports
    requests and websocket-client whenever they are installed: 124 modules and 5.5 MiB RSS in every
    worker that production never has. Rebuilt from scratch when requirements.txt changes, so a
    package dropped from it does not linger.
    """
    venv = WORK_DIR / "venv-production"
    stamp = venv / "requirements.sha256"
    wanted = hashlib.sha256((REPO_ROOT / "requirements.txt").read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == wanted):
        print(f"Building {venv} from requirements.txt…", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "-r", "requirements.txt"],
                       cwd=REPO_ROOT, check=True)
        stamp.write_text(wanted)
    return str(venv / "bin" / "python")


def production_environment(database_url: str) -> dict[str, str]:
    """Peerdesk's production config, minus what would distort a read benchmark.

    Rate limits would turn the load into 429s; the in-server SLA sweep and
    search indexer are background work a multi-process deployment runs from
    cron instead (see the README); HTTPS is the proxy's job, not gunicorn's.
    """
    return {
        **os.environ,
        "PEERDESK_CONFIG": "production",
        "SECRET_KEY": "bench",
        "FORCE_HTTPS": "false",
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "SLA_RUN_SWEEP_IN_SERVER": "false",
        "SEARCH_RUN_INDEXER_IN_SERVER": "false",
        "SEARCH_BACKEND": "null",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerUrl(str):
    """A served app's base URL that also knows the gunicorn master's process id (for its workers' memory)."""

    pid: int


def worker_memory_mib(master_pid: int) -> tuple[float, float]:
    """The largest resident set (RSS) and proportional set (PSS: shared pages split) of the master's workers, MiB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    rss, pss = [0.0], [0.0]
    for pid in children:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss.append(int(line.split()[1]) / 1024)
            elif line.startswith("Pss:"):
                pss.append(int(line.split()[1]) / 1024)
    return max(rss), max(pss)


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], name: str, ready_path: str = "/",
             pythonpath: Path | None = None, connections_per_worker: int = GUNICORN_THREADS,
             python: str = sys.executable) -> Iterator[ServerUrl]:
    """Serve `app_spec` as production would (gthread, 2 workers × 8 threads); yields the base URL.

    Each worker accepts at most as many connections as it has threads, so wrk's keep-alive
    connections split evenly instead of most landing on whichever worker woke first (bench/README.md);
    a bench loading with fewer connections caps it lower (`connections_per_worker`). `python` is
    `production_python()` where worker memory is the figure: its workers import what production's do.
    """
    port = free_port()
    command = [python, "-m", "gunicorn", "-k", "gthread", "-w", str(GUNICORN_WORKERS),
               "--threads", str(GUNICORN_THREADS), "--worker-connections", str(connections_per_worker),
               "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    if pythonpath:
        command += ["--pythonpath", str(pythonpath)]
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log_path = WORK_DIR / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command + [app_spec], cwd=REPO_ROOT, env=env, stdout=log, stderr=log,
                                   start_new_session=True)
    base_url = ServerUrl(f"http://127.0.0.1:{port}")
    base_url.pid = process.pid
    try:
        _wait_until_ready(base_url + ready_path, process, log_path)
        yield base_url
    finally:
        _stop(process)


def _wait_until_ready(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s; see {log_path}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master we started (its workers follow); SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def expect_ok(url: str, headers: dict[str, str] | None = None) -> None:
    """Refuse to benchmark an endpoint that does not answer 200: a fast 404 proves nothing."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            if response.status == 200 and response.read():
                return
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    raise RuntimeError(f"{url} answered {status}, not 200; not benchmarking it")


# -- load ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def ratio_to(self, baseline: "LoadResult") -> float:
        return self.requests_per_second / baseline.requests_per_second if baseline.requests_per_second else 0.0


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value).groups()
    return float(number) * _UNIT_MS[unit]


def parse_wrk(output: str) -> LoadResult:
    """Requests/s, p50, p99 and failures from `wrk --latency` output."""
    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match:
            return match.group(1)
        if default is None:
            raise ValueError(f"wrk output lacks {pattern!r}:\n{output}")
        return default

    socket_errors = find(r"Socket errors: (.*)$", "")
    return LoadResult(
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)")),
        requests=int(find(r"^\s+(\d+) requests in")),
        errors=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")) + sum(map(int, re.findall(r"\d+", socket_errors))),
    )


def run_wrk(base_url: str, path: str, duration: str, id_range: tuple[int, int] | None = None,
            connections: int = 16, threads: int = 2, headers: dict[str, str] | None = None) -> LoadResult:
    """Load one endpoint; with `id_range`, `path` holds a `%d` that random_thread.lua fills per request."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if id_range:
        command += ["-s", str(BENCH_DIR / "random_thread.lua"), base_url, "--", path, *map(str, id_range)]
    else:
        command.append(base_url + path)
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(completed.stdout)


def markdown_table(rows: list[tuple[str, LoadResult]], baseline: LoadResult) -> str:
    lines = ["| Endpoint | Requests/s | p50 | p99 | Errors | × bare Flask |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, result in rows:
        lines.append(f"| {label} | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} ms "
                     f"| {result.p99_ms:.1f} ms | {result.errors} | {result.ratio_to(baseline):.2f} |")
    return "\n".join(lines)
