"""The whole production set on one machine, on loopback: `make deploy-local` / `make deploy-stop`.

    python deploy/local.py start [--processes 2] [--run-dir instance/deploy] [--database-url …] [--redis-url …]
    python deploy/local.py status [--run-dir …]
    python deploy/local.py stop [--run-dir …] [--drop-database]

Starts what a real deployment runs (README, "Deployment"), as ordinary
processes under a run directory: N gunicorn processes (one worker each),
one `flask jobs` process (SLA sweep and search indexer), and an nginx with
its own prefix, pid file and logs that routes each browser to one process
(deploy/nginx/peerdesk.conf). PostgreSQL and Redis are the machine's own
servers: the database is created when missing, Redis gets its own
database number, Socket.IO channel and rate-limit key prefix. Every port
is a free loopback port; `deployment.json` in the run directory records
them and the process ids, which is all `stop` and the tests need. Nothing
here imports the app: it starts the app the way an operator would.
"""
import argparse
import grp
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = REPO_ROOT / "deploy"
STATE_FILE = "deployment.json"
DEFAULT_RUN_DIR = REPO_ROOT / "instance" / "deploy"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/peerdesk_deploy"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
DEFAULT_SEARCH_BACKEND = "postgres"
NGINX = os.environ.get("PEERDESK_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
MIME_TYPES = "/etc/nginx/mime.types"
READY_TIMEOUT = 90.0


@dataclass
class Deployment:
    """What `start` launched; saved as deployment.json so `stop`, `status` and tests can find it."""

    run_dir: str
    url: str
    nginx_port: int
    server_ports: list[int]
    server_pids: list[int]
    jobs_pid: int
    database_url: str
    redis_url: str
    socketio_channel: str
    search_backend: str
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, run_dir: Path) -> "Deployment":
        return cls(**json.loads((run_dir / STATE_FILE).read_text()))

    def save(self) -> None:
        path = Path(self.run_dir) / STATE_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        path.chmod(0o600)  # it holds the secret key through `environment`

    @property
    def nginx_pid(self) -> int | None:
        try:
            return int((Path(self.run_dir) / "nginx.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def worker_pids(self) -> list[int]:
        """The gunicorn worker serving each process (the master only supervises it)."""
        return [_children(pid)[0] if _children(pid) else None for pid in self.server_pids]


# -- helpers ----------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


_handed_out: set[int] = set()


def free_port() -> int:
    """A free loopback port: any (the kernel's choice), or the first free one of DEPLOY_PORTS ("5600-5699").

    A fixed range keeps several people's deployments on one machine apart. Ports handed out by this
    process are not handed out again (a server may not have bound its port yet).
    """
    first, _sep, last = os.environ.get("DEPLOY_PORTS", "").partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for candidate in candidates:
        if candidate in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port = probe.getsockname()[1]
        _handed_out.add(port)
        return port
    raise SystemExit(f"no free port in DEPLOY_PORTS={os.environ['DEPLOY_PORTS']}")


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ensure_database(database_url: str) -> bool:
    """Create the PostgreSQL database when it does not exist; True when it was created."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(_sqlalchemy_url(database_url))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": url.database}):
                return False
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
            return True
    finally:
        admin.dispose()


def drop_database(database_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(_sqlalchemy_url(database_url))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def check_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()


def _secret_key(run_dir: Path) -> str:
    """Kept in the run directory, so a restart does not sign everybody out."""
    path = run_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def app_environment(run_dir: Path, public_url: str, database_url: str, redis_url: str, search_backend: str,
                    extra: dict[str, str]) -> dict[str, str]:
    """The production configuration of every process (README's configuration table)."""
    tag = "peerdesk-" + hashlib.sha1(str(run_dir).encode()).hexdigest()[:10]
    return {
        "PEERDESK_CONFIG": "production",
        "FLASK_APP": "app",
        "SECRET_KEY": _secret_key(run_dir),
        "DATABASE_URL": database_url,
        "DATABASE_POOL_SIZE": "10",
        "DATABASE_MAX_OVERFLOW": "30",
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "SOCKETIO_CHANNEL": tag,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": tag,
        "SEARCH_BACKEND": search_backend,
        "SEARCH_INDEX_DIR": str(run_dir / "search_index"),
        "PAGE_CACHE_GENERATIONS_FILE": str(run_dir / "pagecache.generations"),
        "PUBLIC_BASE_URL": public_url,
        "MAIL_FILE_DIR": str(run_dir / "mail"),  # no SMTP server here: mails become .eml files
        "SEARCH_RUN_INDEXER_IN_SERVER": "false",
        "SLA_RUN_SWEEP_IN_SERVER": "false",
        "TRUSTED_PROXIES": "1",
        # Plain HTTP on loopback: no redirect to HTTPS and cookies a browser sends over HTTP.
        # A real deployment terminates TLS in nginx and keeps all three at their defaults.
        "FORCE_HTTPS": "false",
        "SESSION_COOKIE_SECURE": "false",
        "REMEMBER_COOKIE_SECURE": "false",
        **extra,
    }


def _flask(args: list[str], env: dict[str, str], log_path: Path) -> None:
    with open(log_path, "a") as log:
        completed = subprocess.run([sys.executable, "-m", "flask", *args], cwd=REPO_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    if completed.returncode:
        raise SystemExit(f"`flask {' '.join(args)}` failed; see {log_path}")


def _spawn(command: list[str], env: dict[str, str], log_path: Path) -> int:
    """Start a long-running process in its own session (a Ctrl+C in the shell leaves it alone)."""
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return process.pid


def wait_until_ready(url: str, pid: int | None, what: str, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is not None and not _alive(pid):
            raise SystemExit(f"{what} exited during start-up; see its log")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not answer {url} within {timeout:.0f} s")


def render(template: Path, values: dict[str, str]) -> str:
    text = template.read_text()
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        raise ValueError(f"{template} has a token left unfilled")
    return text


def write_nginx_config(run_dir: Path, nginx_port: int, server_ports: list[int]) -> Path:
    for sub in ("logs", "tmp"):
        (run_dir / sub).mkdir(exist_ok=True)
    upstream = "\n    ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in server_ports)
    (run_dir / "peerdesk.conf").write_text(render(DEPLOY_DIR / "nginx" / "peerdesk.conf", {
        "UPSTREAM_SERVERS": upstream, "LISTEN": f"127.0.0.1:{nginx_port}",
        "STATIC_ROOT": f"{REPO_ROOT / 'static'}/", "LOG_DIR": str(run_dir / "logs")}))
    main = run_dir / "nginx.conf"
    main.write_text(render(DEPLOY_DIR / "nginx" / "local.conf", {"USER": _worker_user(), "WORKERS": "1",
                                                                  "MIME_TYPES": MIME_TYPES}))
    return main


def _worker_user() -> str:
    """nginx's `user` line: the checkout's owner when started as root.

    Started by root, nginx hands its workers to `nobody`, who cannot read the static files of a
    checkout in a private directory (`mktemp -d` makes one, a home directory often is): every
    stylesheet answered 403. Started by anyone else it cannot switch users, and its workers are that
    user, who can read their own checkout, which is what the line says then too.
    """
    if os.geteuid() != 0:
        return "# workers run as the user who started nginx"
    owner = REPO_ROOT.stat()
    return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"


def _nginx(run_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the nginx binary on our prefix. The daemon it leaves keeps its standard output, so that
    goes nowhere (a pipe would keep a caller waiting for its end); errors come on stderr."""
    # nginx reads $NGINX as sockets inherited from an old master during a binary upgrade.
    env = {key: value for key, value in os.environ.items() if key != "NGINX"}
    return subprocess.run([NGINX, "-p", f"{run_dir}/", "-c", str(run_dir / "nginx.conf"),
                           "-e", str(run_dir / "logs" / "error.log"), *args], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


# -- commands -----------------------------------------------------------------------------------------

def start(run_dir: Path, processes: int, database_url: str, redis_url: str, search_backend: str,
          demo_data: bool, extra: dict[str, str], threads: int) -> Deployment:
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "logs").mkdir(exist_ok=True)
    if (run_dir / STATE_FILE).exists():
        running = Deployment.load(run_dir)
        if any(_alive(pid) for pid in [*running.server_pids, running.jobs_pid, running.nginx_pid]):
            raise SystemExit(f"already running at {running.url}; stop it first (make deploy-stop)")
    if not Path(NGINX).exists():
        raise SystemExit(f"nginx not found at {NGINX} (apt-get install nginx-light)")
    check_redis(redis_url)
    if ensure_database(database_url):
        print(f"created database {database_url}")
    nginx_port = free_port()
    app_env = {**app_environment(run_dir, f"http://127.0.0.1:{nginx_port}", database_url, redis_url,
                                 search_backend, extra),
               "PEERDESK_THREADS": str(threads)}
    env = {**os.environ, **app_env}
    setup_log = run_dir / "logs" / "setup.log"
    _flask(["db", "upgrade"], env, setup_log)
    if demo_data:
        _flask(["seed", "demo", "--if-empty"], env, setup_log)

    server_ports = [free_port() for _ in range(processes)]
    server_pids = [_spawn([sys.executable, "-m", "gunicorn", "-c", str(DEPLOY_DIR / "gunicorn.conf.py"),
                           "-b", f"127.0.0.1:{port}", "wsgi:app"], env, run_dir / "logs" / f"server-{number}.log")
                   for number, port in enumerate(server_ports, start=1)]
    jobs_pid = _spawn([sys.executable, "-m", "flask", "jobs"], env, run_dir / "logs" / "jobs.log")
    deployment = Deployment(
        run_dir=str(run_dir), url=f"http://127.0.0.1:{nginx_port}", nginx_port=nginx_port,
        server_ports=server_ports, server_pids=server_pids, jobs_pid=jobs_pid, database_url=database_url,
        redis_url=redis_url, socketio_channel=env["SOCKETIO_CHANNEL"], search_backend=search_backend,
        environment=app_env)
    deployment.save()
    try:
        for number, (port, pid) in enumerate(zip(server_ports, server_pids), start=1):
            wait_until_ready(f"http://127.0.0.1:{port}/", pid, f"server {number} (port {port})")
        write_nginx_config(run_dir, nginx_port, server_ports)
        started = _nginx(run_dir)
        if started.returncode:
            raise SystemExit(f"nginx refused to start: {started.stderr.strip()}")
        wait_until_ready(deployment.url + "/", None, "nginx")
        if not _alive(jobs_pid):
            raise SystemExit(f"the jobs process exited; see {run_dir / 'logs' / 'jobs.log'}")
    except BaseException:
        stop(run_dir)
        raise
    return deployment


def _terminate(pids: list[int], timeout: float = 20.0) -> None:
    """SIGTERM each process we started, wait, SIGKILL what is left."""
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def stop(run_dir: Path, drop: bool = False) -> None:
    run_dir = run_dir.resolve()
    if not (run_dir / STATE_FILE).exists():
        print(f"nothing runs from {run_dir}")
        return
    deployment = Deployment.load(run_dir)
    nginx_pid = deployment.nginx_pid
    if _alive(nginx_pid):
        _nginx(run_dir, "-s", "quit")
    workers = [pid for pid in deployment.worker_pids() if pid]
    _terminate([*deployment.server_pids, deployment.jobs_pid, *([nginx_pid] if nginx_pid else [])])
    _terminate(workers, timeout=5)  # orphans, if a master was killed with -9
    if drop:
        drop_database(deployment.database_url)
        import redis

        client = redis.Redis.from_url(deployment.redis_url)
        for key in client.scan_iter(match=f"*{deployment.socketio_channel}*"):
            client.delete(key)
    (run_dir / STATE_FILE).unlink(missing_ok=True)
    print(f"stopped the deployment at {deployment.url}" + (" and dropped its database" if drop else ""))


def status(run_dir: Path) -> int:
    run_dir = run_dir.resolve()
    if not (run_dir / STATE_FILE).exists():
        print(f"nothing runs from {run_dir}")
        return 1
    deployment = Deployment.load(run_dir)
    print(f"{deployment.url}  (run directory {run_dir}, search {deployment.search_backend})")
    print(f"  nginx         pid {deployment.nginx_pid}  {'up' if _alive(deployment.nginx_pid) else 'DOWN'}")
    for number, (port, pid, worker) in enumerate(zip(deployment.server_ports, deployment.server_pids,
                                                     deployment.worker_pids()), start=1):
        print(f"  server {number}      pid {pid} (worker {worker})  127.0.0.1:{port}  "
              f"{'up' if _alive(pid) else 'DOWN'}")
    print(f"  jobs          pid {deployment.jobs_pid}  {'up' if _alive(deployment.jobs_pid) else 'DOWN'}")
    print(f"  PostgreSQL    {deployment.database_url}")
    print(f"  Redis         {deployment.redis_url} (channel and key prefix {deployment.socketio_channel})")
    return 0


def _settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isupper():
            raise SystemExit(f"--set wants KEY=VALUE with an upper-case configuration key, not {pair!r}")
        settings[key] = value
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--run-dir", type=Path, default=Path(os.environ.get("DEPLOY_RUN_DIR", DEFAULT_RUN_DIR)))
    parser.add_argument("--processes", type=int, default=int(os.environ.get("DEPLOY_PROCESSES", "2")))
    parser.add_argument("--threads", type=int, default=1000, help="threads per server process (each open page holds one)")
    parser.add_argument("--database-url", default=os.environ.get("DEPLOY_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("DEPLOY_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--search-backend", default=os.environ.get("DEPLOY_SEARCH_BACKEND", DEFAULT_SEARCH_BACKEND))
    parser.add_argument("--no-demo-data", dest="demo_data", action="store_false",
                        help="do not load the demo community into an empty database")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="another configuration setting for every process (repeatable)")
    parser.add_argument("--drop-database", action="store_true", help="stop: also drop the database")
    args = parser.parse_args(argv)
    if args.command == "start":
        if args.processes < 1:
            parser.error("--processes must be at least 1")
        deployment = start(args.run_dir, args.processes, args.database_url, args.redis_url, args.search_backend,
                           args.demo_data, _settings(args.settings), args.threads)
        print(f"Peerdesk runs at {deployment.url} ({args.processes} processes behind nginx); "
              f"`make deploy-stop` stops it.")
        return status(args.run_dir)
    if args.command == "stop":
        stop(args.run_dir, args.drop_database)
        return 0
    return status(args.run_dir)


if __name__ == "__main__":
    sys.exit(main())
