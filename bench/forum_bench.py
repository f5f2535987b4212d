"""Forum read benchmark: Peerdesk's hot pages against a bare-Flask baseline, in one run.

    .venv/bin/python bench/forum_bench.py [--threads 20000] [--answers 5] [--duration 10s]
                                          [--database sqlite|postgres]

Seeds a fresh database, serves Peerdesk and bench/bare_flask.py with the
same gunicorn settings, loads each endpoint with wrk over random ids and
prints a Markdown table (also written to bench/results/forum-<database>.md).
Absolute numbers depend on the machine; the ratio to bare Flask does not
much, which is why both run side by side (issue 2 asks for ≥ 0.25× on
the thread page).
"""
import argparse
import math
import os
import sys
import time
from dataclasses import dataclass

from harness import (BENCH_DIR, GUNICORN_THREADS, GUNICORN_WORKERS, REPO_ROOT, LoadResult, bench_database,
                     expect_ok, gunicorn, markdown_table, production_environment, run_wrk)

sys.path.insert(0, str(REPO_ROOT))  # the app package, when run as `python bench/forum_bench.py`

THREAD_PAGE_TARGET = 0.25
RESULTS_DIR = BENCH_DIR / "results"


@dataclass(frozen=True)
class Endpoint:
    """One measured URL; a `%d` in `path` is replaced by a random id from `ids` on every request."""

    label: str
    server: str
    path: str
    ids: tuple[int, int] | None = None

    def sample_path(self) -> str:
        return self.path % self.ids[0] if self.ids else self.path


def baseline_endpoint(threads: int) -> Endpoint:
    return Endpoint("bare Flask: one query + one template", "bare", "/threads/%d", (1, threads))


def peerdesk_endpoints(threads: int, per_page: int) -> list[Endpoint]:
    """The thread page must stay first: the target is stated for it."""
    pages = max(1, math.ceil(threads / per_page))
    return [
        Endpoint("thread page `/threads/<id>`", "peerdesk", "/threads/%d", (1, threads)),
        Endpoint("thread list `/`", "peerdesk", "/"),
        Endpoint(f"thread list `/?page=N` (1–{pages})", "peerdesk", "/?page=%d", (1, pages)),
        Endpoint("API `GET /api/v1/threads/<id>`", "peerdesk", "/api/v1/threads/%d", (1, threads)),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=20_000, help="threads to seed")
    parser.add_argument("--answers", type=int, default=5, help="answers per thread")
    parser.add_argument("--duration", default="10s", help="wrk duration per endpoint")
    parser.add_argument("--warmup", default="2s", help="wrk warm-up per endpoint, not measured")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    return parser.parse_args(argv)


def seed(database_url: str, args: argparse.Namespace):
    """Seed in this process with the production config, then let go of every connection."""
    os.environ.update(production_environment(database_url))
    from app import create_app
    from app.extensions import db
    from seeding import SeedSize, seed_forum

    app = create_app("production")
    with app.app_context():
        report = seed_forum(SeedSize(threads=args.threads, answers_per_thread=args.answers))
        per_page = app.config["THREADS_PER_PAGE"]
        db.engine.dispose()
    return report, per_page


def measure(targets: list[Endpoint], env: dict[str, str], args: argparse.Namespace) -> list[LoadResult]:
    """Serve both apps at once and load one endpoint at a time: the idle server costs nothing.

    Pass the baseline first and last: on a shared machine the two baseline
    figures show how much the background load moved during the run.
    """
    with gunicorn("wsgi:app", env, "peerdesk", ready_path="/") as peerdesk, \
            gunicorn("bare_flask:app", env, "bare-flask", ready_path="/threads/1", pythonpath=BENCH_DIR) as bare:
        base_urls = {"peerdesk": peerdesk, "bare": bare}
        results = []
        for endpoint in targets:
            base_url = base_urls[endpoint.server]
            expect_ok(base_url + endpoint.sample_path())
            run_wrk(base_url, endpoint.path, args.warmup, endpoint.ids, args.connections)
            result = run_wrk(base_url, endpoint.path, args.duration, endpoint.ids, args.connections)
            print(f"  {endpoint.label}: {result.requests_per_second:,.0f} req/s", flush=True)
            results.append(result)
    return results


def mean_result(first: LoadResult, second: LoadResult) -> LoadResult:
    """The baseline the ratios divide by: the mean of the two baseline runs."""
    return LoadResult(requests_per_second=(first.requests_per_second + second.requests_per_second) / 2,
                      p50_ms=(first.p50_ms + second.p50_ms) / 2, p99_ms=max(first.p99_ms, second.p99_ms),
                      requests=first.requests + second.requests, errors=first.errors + second.errors)


@dataclass
class Run:
    """Everything the results file reports, gathered while the run happens."""

    args: argparse.Namespace
    seed_summary: str
    load_before: float
    baseline_label: str
    before: LoadResult
    after: LoadResult
    pages: list[tuple[str, LoadResult]]

    @property
    def baseline(self) -> LoadResult:
        return mean_result(self.before, self.after)

    @property
    def thread_page_ratio(self) -> float:
        return self.pages[0][1].ratio_to(self.baseline)

    def caution(self) -> str:
        drift = abs(self.before.requests_per_second - self.after.requests_per_second) / max(
            self.before.requests_per_second, 1)
        if drift <= 0.15:
            return ""
        return (f" The two baseline runs differ by {drift:.0%}: other work on the machine moved the numbers;"
                " rerun on a quiet machine before trusting the ratios.")

    def markdown(self) -> str:
        args = self.args
        rows = [(f"{self.baseline_label} (before)", self.before), (f"{self.baseline_label} (after)", self.after)]
        verdict = "meets" if self.thread_page_ratio >= THREAD_PAGE_TARGET else "misses"
        return "\n".join([
            f"# Forum read benchmark ({args.database})",
            "",
            f"- {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPU cores, wrk and the servers on the same "
            f"machine; load average {self.load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
            f"- {args.threads:,} threads × {args.answers} answers, {self.seed_summary}",
            f"- gunicorn -k gthread -w {GUNICORN_WORKERS} --threads {GUNICORN_THREADS} "
            f"(PEERDESK_CONFIG=production); wrk -t2 -c{args.connections} -d{args.duration} --latency "
            f"after a {args.warmup} warm-up, random ids",
            "",
            markdown_table(rows + self.pages, self.baseline),
            "",
            f"Ratios divide by the mean of the two bare-Flask runs. Thread page: {self.thread_page_ratio:.2f}× "
            f"bare Flask, which {verdict} the target of {THREAD_PAGE_TARGET}×.{self.caution()}",
            "",
        ])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with bench_database(args.database, "forum") as database_url:
        print(f"Seeding {args.threads:,} threads × {args.answers} answers into {args.database}…", flush=True)
        seed_report, per_page = seed(database_url, args)
        print(seed_report.summary(), flush=True)
        base, pages = baseline_endpoint(args.threads), peerdesk_endpoints(args.threads, per_page)
        load_before = os.getloadavg()[0]
        print(f"Measuring… (load average {load_before:.1f})", flush=True)
        before, *measured, after = measure([base, *pages, base], production_environment(database_url), args)
    run = Run(args, seed_report.summary(), load_before, base.label, before, after,
              [(endpoint.label, result) for endpoint, result in zip(pages, measured)])
    text = run.markdown()
    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / f"forum-{args.database}.md"
    output.write_text(text)
    print(f"\n{text}\nWritten to {output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
