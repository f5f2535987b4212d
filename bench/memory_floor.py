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
With `--write` the table also goes to bench/results/memory-floor.md.
"""
import argparse
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

from harness import BENCH_DIR, REPO_ROOT, production_environment, production_python

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
    args = parser.parse_args(argv)
    production, current = rows(production_python()), rows(sys.executable)
    table = ["| Imported | production virtualenv | this virtualenv (with the test packages) |", "|---|---:|---:|"]
    table += [f"| {label} | {rss:.1f} MiB, {modules:,} modules | {rss_here:.1f} MiB, {modules_here:,} modules |"
              for (label, rss, modules), (_, rss_here, modules_here) in zip(production, current)]
    text = (f"# Memory before the first request\n\n- {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
            "each row a fresh interpreter, VmRSS after its imports\n"
            "- command: `.venv/bin/python bench/memory_floor.py --write`\n\n" + "\n".join(table) + "\n")
    print(text)
    if args.write:
        (BENCH_DIR / "results" / "memory-floor.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
