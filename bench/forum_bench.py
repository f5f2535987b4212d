"""Forum read benchmark: Peerdesk's hot pages against a bare-Flask baseline, in one run.

    .venv/bin/python bench/forum_bench.py [--threads 20000] [--answers 5] [--duration 10s] [--runs 3]
                                          [--database sqlite|postgres] [--page-cache-url redis://…]
                                          [--list-scale 200000] [--server-venv production|current]

Seeds a fresh database, serves Peerdesk and bench/bare_flask.py with the
same gunicorn settings, loads each endpoint with wrk and prints a Markdown
table of medians over `--runs` runs (also written to
bench/results/forum-<database>.md; forum-<database>-redis-cache.md with
`--page-cache-url`). Each run starts both servers afresh, so the page cache
starts empty every time. Both servers run from a virtualenv
with requirements.txt only, as a deployment has them (`--server-venv current`:
from this interpreter's). Absolute numbers depend on the
machine; the ratio to bare Flask, measured in the same run, much less.
With `--list-scale N` it then seeds a second database of N threads and
compares the thread list on both sizes (bench/results/forum-list-scale-<database>.md).
"""
import argparse
import http.client
import math
import os
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from harness import (BENCH_DIR, GUNICORN_THREADS, GUNICORN_WORKERS, REPO_ROOT, LoadResult, bench_database,
                     expect_ok, gunicorn, markdown_table, production_environment, production_python, run_wrk,
                     worker_memory_mib)

sys.path.insert(0, str(REPO_ROOT))  # the app package, when run as `python bench/forum_bench.py`

RESULTS_DIR = BENCH_DIR / "results"
#: Issue #10's targets, as ratios to bare Flask in the same run.
TARGETS = {"visitor-thread": 0.25, "list": 0.30, "api-thread": 0.40, "member-thread": 0.15}
P99_TARGET_MS = 50
MEMORY_TARGET_MIB = 100
POPULAR_THREADS = 1_000
MEMBER_ID = 50
#: What each `--server-venv` holds, for the results file: worker memory depends on it.
SERVER_VENVS = {"production": "requirements.txt only, as a deployment installs it",
                "current": "the bench's own, test requirements included"}


@dataclass(frozen=True)
class Endpoint:
    """One measured URL; a `%d` in `path` is replaced by a random id from `ids` on every request."""

    label: str
    server: str
    path: str
    ids: tuple[int, int] | None = None
    target: str | None = None
    member: bool = False

    def sample_path(self) -> str:
        return self.path % self.ids[0] if self.ids else self.path


def baseline_endpoint(threads: int) -> Endpoint:
    return Endpoint("bare Flask: one query + one template", "bare", "/threads/%d", (1, threads))


def peerdesk_endpoints(threads: int, per_page: int) -> list[Endpoint]:
    pages = max(1, math.ceil(threads / per_page))
    popular = min(POPULAR_THREADS, threads)
    return [
        Endpoint("visitor thread page `/threads/<id>`, any of all threads", "peerdesk", "/threads/%d", (1, threads),
                 target="visitor-thread"),
        Endpoint(f"visitor thread page, the {popular:,} most-read threads", "peerdesk", "/threads/%d", (1, popular)),
        Endpoint("member thread page (signed in, never cached)", "peerdesk", "/threads/%d", (1, threads),
                 target="member-thread", member=True),
        Endpoint("thread list `/`", "peerdesk", "/", target="list"),
        Endpoint(f"thread list `/?page=N` (1–{pages})", "peerdesk", "/?page=%d", (1, pages)),
        Endpoint("API `GET /api/v1/threads/<id>`, any thread", "peerdesk", "/api/v1/threads/%d", (1, threads),
                 target="api-thread"),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=20_000, help="threads to seed")
    parser.add_argument("--answers", type=int, default=5, help="answers per thread")
    parser.add_argument("--duration", default="10s", help="wrk duration per endpoint")
    parser.add_argument("--warmup", default="2s", help="wrk warm-up per endpoint, not measured")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--runs", type=int, default=3, help="runs; the table shows medians")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--page-cache-url", default="", help="PAGE_CACHE_URL (empty: each worker's memory)")
    parser.add_argument("--list-scale", type=int, default=0,
                        help="also compare the thread list on this many threads (0: skip)")
    parser.add_argument("--server-venv", choices=tuple(SERVER_VENVS), default="production",
                        help="serve from a requirements.txt-only virtualenv, or from this interpreter's")
    return parser.parse_args(argv)


def server_python(server_venv: str) -> str:
    return production_python() if server_venv == "production" else sys.executable


def shown_path(python: str) -> str:
    """A path inside the checkout as the README writes it (`.venv/bin/python`), whichever checkout ran."""
    path = Path(python)
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else python


def seed(database_url: str, threads: int, answers: int):
    """Seed in this process with the production config, then let go of every connection."""
    os.environ.update(production_environment(database_url))
    from app import create_app
    from app.extensions import db
    from seeding import SeedSize, seed_forum

    app = create_app("production")
    with app.app_context():
        report = seed_forum(SeedSize(threads=threads, answers_per_thread=answers))
        per_page = app.config["THREADS_PER_PAGE"]
        db.engine.dispose()
    return report, per_page


def member_cookie(base_url: str) -> str:
    """Log a seeded member in through the real form (CSRF token and all); return the Cookie header.

    By hand rather than with a cookie jar: production cookies are Secure, and the bench speaks plain HTTP.
    """
    from seeding import FIRST_NAMES

    host = urllib.parse.urlsplit(base_url).netloc
    connection = http.client.HTTPConnection(host, timeout=30)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = _set_cookies(response)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    username = f"{FIRST_NAMES[MEMBER_ID % len(FIRST_NAMES)]}{MEMBER_ID}"
    form = urllib.parse.urlencode({"csrf_token": token, "login": username, "password": "peerdesk-bench"})
    connection.request("POST", "/auth/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(cookies)})
    response = connection.getresponse()
    response.read()
    cookies.update(_set_cookies(response))
    connection.close()
    if response.status != 302 or "session" not in cookies:
        raise RuntimeError(f"could not log the bench member in ({response.status})")
    return _cookie_header(cookies)


def _set_cookies(response) -> dict[str, str]:
    pairs = (header.split(";", 1)[0].split("=", 1) for header in response.headers.get_all("Set-Cookie") or [])
    return {name.strip(): value for name, value in pairs}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def server_environment(database_url: str, args: argparse.Namespace, **extra: str) -> dict[str, str]:
    return {**production_environment(database_url), "PAGE_CACHE_URL": args.page_cache_url,
            "PAGE_CACHE_GENERATIONS_FILE": str(BENCH_DIR.parent / "instance" / "bench-pagecache.generations"),
            **extra}


@dataclass
class RunResult:
    results: list[LoadResult]
    memory_mib: tuple[float, float]


def measure(targets: list[Endpoint], env: dict[str, str], args: argparse.Namespace, python: str) -> RunResult:
    """Serve both apps at once and load one endpoint at a time: the idle server costs nothing.

    Pass the baseline first and last: on a shared machine the two baseline
    figures show how much the background load moved during the run.
    """
    with gunicorn("wsgi:app", env, "peerdesk", ready_path="/", python=python) as peerdesk, \
            gunicorn("bare_flask:app", env, "bare-flask", ready_path="/threads/1", pythonpath=BENCH_DIR,
                     python=python) as bare:
        if args.page_cache_url:
            import redis

            redis.Redis.from_url(args.page_cache_url).flushdb()
        base_urls = {"peerdesk": peerdesk, "bare": bare}
        cookie = member_cookie(peerdesk) if any(endpoint.member for endpoint in targets) else ""
        results = []
        for endpoint in targets:
            base_url = base_urls[endpoint.server]
            headers = {"Cookie": cookie} if endpoint.member else None
            expect_ok(base_url + endpoint.sample_path(), headers)
            run_wrk(base_url, endpoint.path, args.warmup, endpoint.ids, args.connections, headers=headers)
            result = run_wrk(base_url, endpoint.path, args.duration, endpoint.ids, args.connections, headers=headers)
            print(f"  {endpoint.label}: {result.requests_per_second:,.0f} req/s, p99 {result.p99_ms:.1f} ms",
                  flush=True)
            results.append(result)
        memory = worker_memory_mib(peerdesk.pid)
    return RunResult(results, memory)


def mean_result(first: LoadResult, second: LoadResult) -> LoadResult:
    """The baseline the ratios divide by: the mean of the two baseline runs."""
    return LoadResult(requests_per_second=(first.requests_per_second + second.requests_per_second) / 2,
                      p50_ms=(first.p50_ms + second.p50_ms) / 2, p99_ms=max(first.p99_ms, second.p99_ms),
                      requests=first.requests + second.requests, errors=first.errors + second.errors)


def median_result(results: list[LoadResult]) -> LoadResult:
    return LoadResult(requests_per_second=statistics.median(r.requests_per_second for r in results),
                      p50_ms=statistics.median(r.p50_ms for r in results),
                      p99_ms=statistics.median(r.p99_ms for r in results),
                      requests=sum(r.requests for r in results), errors=sum(r.errors for r in results))


@dataclass
class Report:
    """Everything the results file reports: per-run ratios (so the noise shows) and their medians."""

    args: argparse.Namespace
    seed_summary: str
    load_before: float
    endpoints: list[Endpoint]
    server_python: str
    argv: list[str] = field(default_factory=list)
    runs: list[RunResult] = field(default_factory=list)

    def baseline(self, run: RunResult) -> LoadResult:
        return mean_result(run.results[0], run.results[-1])

    def ratios(self, index: int) -> list[float]:
        return [run.results[index + 1].ratio_to(self.baseline(run)) for run in self.runs]

    def drift(self, run: RunResult) -> float:
        before, after = run.results[0].requests_per_second, run.results[-1].requests_per_second
        return abs(before - after) / max(before, 1)

    def markdown(self) -> str:
        args = self.args
        baseline_rows = [(f"{baseline_endpoint(args.threads).label} ({which})",
                          median_result([run.results[position] for run in self.runs]))
                         for which, position in (("before", 0), ("after", -1))]
        baseline = mean_result(baseline_rows[0][1], baseline_rows[1][1])
        rows = [(endpoint.label, median_result([run.results[index + 1] for run in self.runs]))
                for index, endpoint in enumerate(self.endpoints)]
        lines = [
            f"# Forum read benchmark ({args.database})",
            "",
            f"- {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPU cores shared with other work, wrk and the "
            f"servers on the same machine; load average {self.load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
            f"- command: `{' '.join(['.venv/bin/python', 'bench/forum_bench.py', *self.argv])}` "
            f"(under `nice -n {os.nice(0)}`)",
            f"- {args.threads:,} threads × {args.answers} answers, {self.seed_summary}",
            f"- gunicorn -k gthread -w {GUNICORN_WORKERS} --threads {GUNICORN_THREADS} "
            f"--worker-connections {GUNICORN_THREADS} (PEERDESK_CONFIG=production, "
            f"page cache in {'Redis' if args.page_cache_url else 'each worker’s memory'}), "
            f"served by `{shown_path(self.server_python)}` ({args.server_venv} virtualenv: "
            f"{SERVER_VENVS[args.server_venv]}); "
            f"wrk -t2 -c{args.connections} -d{args.duration} --latency after a {args.warmup} warm-up, random ids; "
            f"{len(self.runs)} runs, each with freshly started servers (empty cache); medians below",
            "",
            markdown_table(baseline_rows + rows, baseline),
            "",
            "| Target | Ratio per run | Median | Target | |",
            "|---|---|---:|---:|---|",
        ]
        for index, endpoint in enumerate(self.endpoints):
            ratios = self.ratios(index)
            median = statistics.median(ratios)
            target = TARGETS.get(endpoint.target or "")
            verdict = "" if target is None else ("met" if median >= target else "**missed**")
            lines.append(f"| {endpoint.label} | {', '.join(f'{r:.2f}' for r in ratios)} | {median:.2f}× "
                         f"| {f'≥ {target}×' if target else '–'} | {verdict} |")
        memory = statistics.median(run.memory_mib[0] for run in self.runs)
        worst_p99 = max(result.p99_ms for _label, result in rows)
        drifts = ", ".join(f"{self.drift(run):.0%}" for run in self.runs)
        lines += [
            "",
            f"Worker memory after each run, largest worker's RSS (PSS): "
            f"{', '.join(f'{run.memory_mib[0]:.0f} ({run.memory_mib[1]:.0f})' for run in self.runs)} MiB "
            f"(target < {MEMORY_TARGET_MIB} MiB RSS: "
            f"{'met' if memory < MEMORY_TARGET_MIB else '**missed**'}). Largest median p99: {worst_p99:.1f} ms "
            f"(target < {P99_TARGET_MS} ms: {'met' if worst_p99 < P99_TARGET_MS else '**missed**'}).",
            "",
            f"Ratios divide by the mean of the two bare-Flask runs of the same run. The two baseline runs differed "
            f"by {drifts} in the {len(self.runs)} runs: that is how much other work on the machine moved the "
            f"figures while they were taken.",
            "",
        ]
        return "\n".join(lines)


def list_scale(args: argparse.Namespace, python: str) -> str:
    """The thread list on two sizes, page cache off: its own cost must not grow with the threads."""
    lines = [f"# Thread list against the number of threads ({args.database})", "",
             f"- {time.strftime('%Y-%m-%d %H:%M %Z')}; page cache off, so this is the list's own cost; "
             f"{args.runs} runs per size with freshly started servers, medians; ratios to bare Flask in the same run",
             "", "| Page | Threads | Requests/s | p99 | × bare Flask (per run) | × bare Flask (median) |",
             "|---|---:|---:|---:|---|---:|"]
    for threads in (args.threads, args.list_scale):
        with bench_database(args.database, f"list{threads}") as database_url:
            print(f"Seeding {threads:,} threads for the list check…", flush=True)
            seed(database_url, threads, 1)
            env = server_environment(database_url, args, PAGE_CACHE_ENABLED="false")
            bare = baseline_endpoint(threads)
            pages = [Endpoint("`/`", "peerdesk", "/"), Endpoint("`/?page=N` (1–50)", "peerdesk", "/?page=%d", (1, 50))]
            runs = [measure([bare, *pages, bare], env, args, python).results for _ in range(args.runs)]
        for index, endpoint in enumerate(pages, start=1):
            result = median_result([run[index] for run in runs])
            ratios = [run[index].ratio_to(mean_result(run[0], run[-1])) for run in runs]
            lines.append(f"| {endpoint.label} | {threads:,} | {result.requests_per_second:,.0f} | "
                         f"{result.p99_ms:.1f} ms | {', '.join(f'{r:.3f}' for r in ratios)} "
                         f"| {statistics.median(ratios):.3f} |")
    return "\n".join(lines + [""])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    python = server_python(args.server_venv)
    with bench_database(args.database, "forum") as database_url:
        print(f"Seeding {args.threads:,} threads × {args.answers} answers into {args.database}…", flush=True)
        seed_report, per_page = seed(database_url, args.threads, args.answers)
        print(seed_report.summary(), flush=True)
        base, pages = baseline_endpoint(args.threads), peerdesk_endpoints(args.threads, per_page)
        report = Report(args, seed_report.summary(), os.getloadavg()[0], pages, python,
                        argv=sys.argv[1:] if argv is None else argv)
        for number in range(1, args.runs + 1):
            print(f"Run {number}/{args.runs} (load average {os.getloadavg()[0]:.1f})…", flush=True)
            report.runs.append(measure([base, *pages, base], server_environment(database_url, args), args, python))
    text = report.markdown()
    output = RESULTS_DIR / f"forum-{args.database}{'-redis-cache' if args.page_cache_url else ''}.md"
    output.write_text(text)
    print(f"\n{text}\nWritten to {output.relative_to(REPO_ROOT)}")
    if args.list_scale:
        text = list_scale(args, python)
        output = RESULTS_DIR / f"forum-list-scale-{args.database}.md"
        output.write_text(text)
        print(f"\n{text}\nWritten to {output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
