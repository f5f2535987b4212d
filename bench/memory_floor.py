"""What a server process holds before its first request: the framework stack's imports against Peerdesk's own.

    .venv/bin/python bench/memory_floor.py [--write]

Issue #10 asks for workers under 100 MiB. This prints the resident memory
(VmRSS) of a fresh interpreter after importing, step by step, the packages
the stack in ../shared/STACK.md prescribes, then after importing Peerdesk's
serving entry point (`wsgi`, the app built and its background jobs
started), each in a process of its own. The gap between the last two rows
is what Peerdesk's code and data add; everything above them is the floor
any app on this stack starts from. Both columns: the production virtualenv
(requirements.txt only, bench/harness.py builds it) and this one, whose
test packages make python-socketio import its HTTP and WebSocket clients.
With `--after-load` it also serves the forum bench's SQLite database
(forum_bench.py leaves it behind) from 8 threads in-process, as a gunicorn
worker would, with the page cache on and off: what serving adds, and how
much of it is the cache's budget. With `--write` the tables also go to
bench/results/memory-floor.md.
"""
import argparse
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from harness import BENCH_DIR, REPO_ROOT, WORK_DIR, production_environment, production_python

#: Each row imports everything of the rows above it too, as an app grows its dependencies.
STEPS = (
    ("Python alone", ()),
    ("Flask", ("flask",)),
    ("+ SQLAlchemy ORM and Flask-SQLAlchemy", ("sqlalchemy.orm", "flask_sqlalchemy")),
    ("+ Flask-SocketIO (python-socketio, engineio, simple-websocket)", ("flask_socketio",)),
    ("+ Flask-Login, Flask-WTF, Flask-Babel, Flask-Limiter, Flask-Talisman, Flask-Mailman",
     ("flask_login", "flask_wtf", "flask_babel", "babel.dates", "flask_limiter", "flask_talisman", "flask_mailman")),
    ("+ markdown-it-py, nh3, email-validator, gunicorn's threaded worker",
     ("markdown_it", "nh3", "email_validator", "gunicorn.workers.gthread")),
)
_REPORT = (
    "import sys\n"
    "rss = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmRSS'))\n"
    "print(rss / 1024, len(sys.modules))\n"
)


def measure(python: str, code: str, env: dict[str, str] | None = None) -> tuple[float, int]:
    """RSS in MiB and the number of modules after running `code` in a fresh interpreter."""
    output = subprocess.run([python, "-c", code + "\n" + _REPORT], cwd=REPO_ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout.split()
    return float(output[-2]), int(output[-1])


#: 8 request threads as in a gunicorn worker, each with its own client, over visitor thread pages,
#: list pages and the API thread: every page kind a visitor reaches, cold pages mostly.
_SERVE = """
import random, threading
import wsgi
def serve(seed):
    client, rng = wsgi.app.test_client(), random.Random(seed)
    for number in range(REQUESTS):
        kind = number % 10
        thread_id = rng.randint(1, HIGHEST)
        path = ("/?page=%d" % rng.randint(1, 1000) if kind == 0 else
                "/api/v1/threads/%d" % thread_id if kind == 1 else "/threads/%d" % thread_id)
        assert client.get(path).status_code == 200, path
threads = [threading.Thread(target=serve, args=(seed,)) for seed in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
"""


def after_load(python: str, database: Path, requests: int, page_cache: bool) -> tuple[float, int]:
    """RSS after 8 threads served `requests` pages each from the forum bench's database."""
    with tempfile.TemporaryDirectory() as scratch:
        env = production_environment(f"sqlite:///{database}")
        env.update(INSTANCE_PATH=scratch, PAGE_CACHE_ENABLED=str(page_cache).lower(),
                   PAGE_CACHE_GENERATIONS_FILE=f"{scratch}/pagecache.generations")
        highest = _highest_thread_id(database)
        return measure(python, _SERVE.replace("REQUESTS", str(requests)).replace("HIGHEST", str(highest)), env)


def _highest_thread_id(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT max(id) FROM threads").fetchone()[0]


def rows(python: str) -> list[tuple[str, float, int]]:
    measured, imported = [], []
    for label, modules in STEPS:
        imported += modules
        measured.append((label, *measure(python, "".join(f"import {name}\n" for name in imported))))
    with tempfile.TemporaryDirectory() as scratch:
        env = production_environment(f"sqlite:///{scratch}/floor.db")
        env["INSTANCE_PATH"] = scratch
        measured.append(("Peerdesk: `import wsgi` (the serving app built, SQLite, page cache empty)",
                         *measure(python, "import wsgi", env)))
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="also write bench/results/memory-floor.md")
    parser.add_argument("--after-load", action="store_true",
                        help="also serve the forum bench's SQLite database in-process, page cache on and off")
    parser.add_argument("--requests", type=int, default=500, help="requests per thread for --after-load")
    args = parser.parse_args(argv)
    database = WORK_DIR / "forum.db"
    if args.after_load and not database.exists():
        parser.error(f"{database} is missing: run bench/forum_bench.py first, it leaves its database there")
    production, current = rows(production_python()), rows(sys.executable)
    table = ["| Imported | production virtualenv | this virtualenv (with the test packages) |", "|---|---:|---:|"]
    table += [f"| {label} | {rss:.1f} MiB, {modules:,} modules | {rss_here:.1f} MiB, {modules_here:,} modules |"
              for (label, rss, modules), (_, rss_here, modules_here) in zip(production, current)]
    text = (f"# Memory before the first request\n\n- {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
            "each row a fresh interpreter, VmRSS after its imports\n"
            "- command: `.venv/bin/python bench/memory_floor.py --write"
            + (" --after-load`" if args.after_load else "`") + "\n\n" + "\n".join(table) + "\n")
    if args.after_load:
        python = production_python()
        loaded = [(f"Peerdesk after 8 threads served {args.requests * 8:,} visitor pages (thread pages, "
                   f"list pages, API), page cache {'on (PAGE_CACHE_MAX_MB 8)' if cache else 'off'}",
                   *after_load(python, database, args.requests, cache)) for cache in (True, False)]
        text += ("\n| Served from the forum bench's SQLite database, in-process | production virtualenv |\n"
                 "|---|---:|\n" + "".join(f"| {label} | {rss:.1f} MiB, {modules:,} modules |\n"
                                        for label, rss, modules in loaded))
    print(text)
    if args.write:
        (BENCH_DIR / "results" / "memory-floor.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
