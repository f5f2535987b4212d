"""SLA sweep over 200,000 threads: its cost follows the due threads, not the table size.

Seeds 200,000 threads with fast bulk inserts (most answered or not yet due),
makes N of them due, times one `escalate_overdue_threads()` pass, and prints
the query plan of the sweep's UPDATE to show it uses ix_threads_status_sla_due_at.
Runs on SQLite, and on PostgreSQL when reachable (it creates and drops its own
database). Usage: .venv/bin/python bench/sla_sweep_bench.py [--threads 200000] [--due 100,1000,5000]
"""
import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text, update  # noqa: E402

from app import clock, create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Category, Thread, User  # noqa: E402
from app.services import sla  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def seed(total: int) -> None:
    db.create_all()
    db.session.execute(insert(User), [{"username": "asker", "email": "a@example.com", "password_hash": "x",
                                       "role": "member", "reputation": 0, "created_at": NOW}])
    db.session.execute(insert(Category), [{"slug": "printers", "name": "Printers", "description": "",
                                           "position": 0, "sla_minutes": 60, "staff_response_minutes": 30,
                                           "thread_count": 0}])
    db.session.commit()
    batch, rows = 10_000, []
    for n in range(total):
        created = NOW - timedelta(minutes=n % 50_000)
        answered = n % 3 != 0           # two thirds answered; the rest unanswered but not yet due
        rows.append({"title": f"Thread {n}", "body_source": "b", "body_html": "<p>b</p>", "category_id": 1,
                     "author_id": 1, "status": "answered" if answered else "unanswered", "visibility": "visible",
                     "created_at": created, "last_activity_at": created,
                     "sla_due_at": created + timedelta(days=60) if not answered else created + timedelta(hours=1),
                     "score": 0, "answer_count": 1 if answered else 0, "view_count": 0, "needs_staff": False,
                     "priority": 0, "extra_search_terms": "", "helpful_yes": 0, "helpful_no": 0})
        if len(rows) == batch:
            db.session.execute(insert(Thread), rows)
            rows = []
    if rows:
        db.session.execute(insert(Thread), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def make_due(count: int, round_no: int) -> None:
    """Pick `count` unanswered, not-yet-due threads and move their deadline into the past."""
    ids = db.session.scalars(text("SELECT id FROM threads WHERE status = 'unanswered' AND escalated_at IS NULL "
                                  "AND sla_due_at > :now ORDER BY id LIMIT :n"), {"now": NOW, "n": count}).all()
    db.session.execute(update(Thread).where(Thread.id.in_(ids)).values(sla_due_at=NOW - timedelta(minutes=1))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def plan() -> str:
    """The query plan of the sweep's UPDATE (the same WHERE as sla.overdue_condition)."""
    sweep_sql = ("UPDATE threads SET needs_staff = true, escalated_at = :now WHERE status = 'unanswered' "
                 "AND sla_due_at <= :now AND needs_staff = false AND escalated_at IS NULL "
                 "AND visibility = 'visible' RETURNING id")
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sweep_sql),
                                  {"now": NOW.replace(tzinfo=None).isoformat(" ")}).all()
        return " | ".join(row[-1] for row in rows)
    rows = db.session.execute(text("EXPLAIN " + sweep_sql), {"now": NOW}).all()
    return " | ".join(row[0].strip() for row in rows)


def run(url: str, label: str, total: int, due_counts: list[int]) -> list[tuple]:
    clock.FrozenClock(NOW)
    app = create_app("testing", {"DATABASE_URL": url})
    results = []
    with app.app_context():
        started = time.perf_counter()
        seed(total)
        seeded = time.perf_counter() - started
        print(f"[{label}] seeded {total:,} threads in {seeded:.1f}s", flush=True)
        empty_started = time.perf_counter()
        assert sla.escalate_overdue_threads(NOW) == []
        results.append((label, total, 0, (time.perf_counter() - empty_started) * 1000))
        for round_no, count in enumerate(due_counts):
            make_due(count, round_no)
            started = time.perf_counter()
            escalated = sla.escalate_overdue_threads(NOW)
            elapsed = (time.perf_counter() - started) * 1000
            assert len(escalated) == count, (len(escalated), count)
            results.append((label, total, count, elapsed))
        print(f"[{label}] plan: {plan()}", flush=True)
        db.session.remove()
        db.engine.dispose()
    clock.reset()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=200_000)
    parser.add_argument("--due", default="100,1000,5000")
    args = parser.parse_args()
    due_counts = [int(n) for n in args.due.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results += run(f"sqlite:///{os.path.join(tmp, 'bench.db')}", "sqlite", args.threads, due_counts)
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"peerdesk_sla_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # PostgreSQL not reachable: SQLite only
        print(f"[postgresql] skipped: {error.__class__.__name__}")
    else:
        try:
            results += run(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", "postgresql", args.threads, due_counts)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print()
    print(f"{'database':<12}{'threads':>10}{'due':>8}{'sweep ms':>12}{'ms per due':>12}")
    for label, total, due, ms in results:
        per = f"{ms / due:.3f}" if due else "-"
        print(f"{label:<12}{total:>10,}{due:>8,}{ms:>12.1f}{per:>12}")


if __name__ == "__main__":
    main()
