"""Reputation and badges at scale: ledger import, recompute and badge backfill, plus the thread page's cost.

    .venv/bin/python bench/reputation_bench.py [--threads 48000] [--answers 1] [--repeat 3]
                                               [--duration 10s] [--database sqlite|postgres]

Seeds a forum (bench/seeding.py) sized for about 100,000 votes and 20,000
accepted answers, then times, as medians of `--repeat` runs on the same data:

- `reputation_history.import_history()`: the ledger written for every vote and acceptance;
- `reputation_ledger.recompute()` after every figure was tampered with (all reported and fixed);
- `badges.backfill()` from nothing: every badge the history earned.

Then serves Peerdesk and bench/bare_flask.py with the same gunicorn settings and
loads the thread page (which now shows reputation and gold/silver/bronze counts
beside every author) and the baseline alternately, `--repeat` times each:
the page's cost is its ratio to bare Flask in the same run. Results go to
bench/results/reputation-<database>.md.
"""
import argparse
import os
import statistics
import sys
import time

from harness import (BENCH_DIR, REPO_ROOT, bench_database, expect_ok, gunicorn, markdown_table,
                     production_environment, run_wrk)

sys.path.insert(0, str(REPO_ROOT))

RESULTS_DIR = BENCH_DIR / "results"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=48_000)
    parser.add_argument("--answers", type=int, default=1, help="answers per thread")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", default="10s", help="wrk duration per thread-page run")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    return parser.parse_args(argv)


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def batch_jobs(database_url: str, args) -> tuple[str, list[str]]:
    os.environ.update(production_environment(database_url))
    from sqlalchemy import delete, func, select, update

    from app import create_app
    from app.extensions import db
    from app.models import BadgeAward, ReputationEvent, Thread, User, Vote
    from app.services import badges, reputation_history, reputation_ledger
    from seeding import SeedSize, seed_forum

    app = create_app("production")
    lines = []
    with app.app_context():
        report = seed_forum(SeedSize(threads=args.threads, answers_per_thread=args.answers))
        votes = db.session.scalar(select(func.count(Vote.id)))
        accepted = db.session.scalar(select(func.count(Thread.id)).where(Thread.accepted_answer_id.is_not(None)))
        users = db.session.scalar(select(func.count(User.id)))
        lines.append(f"- seeded {votes:,} votes, {accepted:,} accepted answers, {users:,} users "
                     f"({report.summary()})")

        def reset_ledger():
            db.session.execute(delete(BadgeAward))
            db.session.execute(delete(ReputationEvent))
            db.session.execute(update(User).values(reputation=1, gold_badges=0, silver_badges=0, bronze_badges=0))
            db.session.commit()

        def tamper():
            db.session.execute(update(User).values(reputation=User.reputation + 7))
            db.session.commit()

        def clear_awards():
            db.session.execute(delete(BadgeAward))
            db.session.commit()

        rows = {}
        results = {"import": [], "recompute": [], "backfill": []}
        for _run in range(args.repeat):
            reset_ledger()
            results["import"].append(timed(lambda: rows.update(ledger=reputation_history.import_history())))
            tamper()
            results["recompute"].append(timed(lambda: rows.update(fixed=len(reputation_ledger.recompute()))))
            clear_awards()
            results["backfill"].append(timed(lambda: rows.update(awards=sum(badges.backfill().values()))))
        assert rows["fixed"] == users, "recompute must report every tampered user"
        assert reputation_ledger.recompute() == [], "a second recompute finds nothing"
        assert sum(badges.backfill().values()) == 0, "a second backfill awards nothing"
        ledger_rows = rows["ledger"]
        source_rows = votes + accepted
        lines += [
            "",
            "| Step | Median | Runs | Rows | Rows/s |",
            "|---|---:|---|---:|---:|",
            f"| ledger import (`flask reputation import-history`) | {statistics.median(results['import']):.2f} s "
            f"| {', '.join(f'{t:.2f}' for t in results['import'])} | {source_rows:,} votes + acceptances → "
            f"{ledger_rows:,} ledger rows | {source_rows / statistics.median(results['import']):,.0f} |",
            f"| recompute (`flask reputation recompute`), every figure tampered | "
            f"{statistics.median(results['recompute']):.2f} s | {', '.join(f'{t:.2f}' for t in results['recompute'])} "
            f"| {ledger_rows:,} ledger rows, {users:,} users fixed | "
            f"{ledger_rows / statistics.median(results['recompute']):,.0f} |",
            f"| badge backfill (`flask badges backfill`) from none | {statistics.median(results['backfill']):.2f} s "
            f"| {', '.join(f'{t:.2f}' for t in results['backfill'])} | {rows['awards']:,} awards from "
            f"{ledger_rows:,} ledger rows | {ledger_rows / statistics.median(results['backfill']):,.0f} |",
        ]
        thread_count = db.session.scalar(select(func.count(Thread.id)))
        db.engine.dispose()
    return thread_count, lines


def thread_page(database_url: str, threads: int, args) -> list[str]:
    env = production_environment(database_url)
    bare_runs, page_runs = [], []
    with gunicorn("wsgi:app", env, "peerdesk", ready_path="/") as peerdesk, \
            gunicorn("bare_flask:app", env, "bare-flask", ready_path="/threads/1", pythonpath=BENCH_DIR) as bare:
        expect_ok(peerdesk + "/threads/1")
        for server in (bare, peerdesk):
            run_wrk(server, "/threads/%d", "2s", (1, threads))
        for _run in range(args.repeat):
            bare_runs.append(run_wrk(bare, "/threads/%d", args.duration, (1, threads)))
            page_runs.append(run_wrk(peerdesk, "/threads/%d", args.duration, (1, threads)))
    ratios = [page.ratio_to(base) for page, base in zip(page_runs, bare_runs)]
    median_index = ratios.index(statistics.median_low(ratios))
    rows = [(f"bare Flask: one query + one template (run {n + 1})", result) for n, result in enumerate(bare_runs)]
    rows += [(f"thread page with reputation and badge counts (run {n + 1})", result)
             for n, result in enumerate(page_runs)]
    return ["", markdown_table(rows, bare_runs[median_index]), "",
            f"Thread page: median {statistics.median(ratios):.3f}× bare Flask (runs: "
            f"{', '.join(f'{ratio:.3f}' for ratio in ratios)}; each run divided by the baseline run just before it)."]


def main(argv=None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    with bench_database(args.database, "reputation") as database_url:
        print(f"Seeding {args.threads:,} threads × {args.answers} answers and timing the batch jobs…", flush=True)
        threads, lines = batch_jobs(database_url, args)
        print("\n".join(lines), flush=True)
        print("Loading the thread page…", flush=True)
        lines += thread_page(database_url, threads, args)
    text = "\n".join([
        f"# Reputation and badges benchmark ({args.database})", "",
        f"- {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPU cores (shared); load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after; medians of {args.repeat} runs",
        *lines, ""])
    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / f"reputation-{args.database}.md"
    output.write_text(text)
    print(f"\n{text}\nWritten to {output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
