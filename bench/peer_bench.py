"""Peerdesk beside FlaskBB 2.2.0 and the bare-Flask ceiling, in one run, with ../shared/peer-bench.

    bash ../shared/peer-bench/setup.sh                      # once: FlaskBB from PyPI, its data, the ceiling
    .venv/bin/python bench/peer_bench.py [--duration 10s] [--repeats 3]

Same machine, same data, same server settings, same wrk command. The data
is peer-bench's own (`populate.generate()`: 200 users, 5,000 topics of 6
posts of about 80 words, in 3 forums), loaded into a Peerdesk SQLite
database with bulk SQL: each topic a thread, its first post the question,
the five replies its answers; the bodies go through Peerdesk's Markdown
renderer as a post would. The run first calls peer-bench's run.sh for
FlaskBB and the ceiling (its noisy-neighbour guard set to record, not wait:
this machine is never quiet), then serves Peerdesk with the gunicorn
config run.sh wrote (2 sync workers) and loads it with the same wrk
command: the topic page, the topic list of one forum, and search for the
same rare and common words. Peerdesk runs twice: as configured by default
(its visitor page cache on) and with the page cache off, so the rendering
cost is visible too. Results: bench/results/peer-flaskbb.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import BENCH_DIR, REPO_ROOT, WORK_DIR, expect_ok, free_port, parse_wrk

PEER_BENCH = (REPO_ROOT.parent / "shared" / "peer-bench") if (REPO_ROOT.parent / "shared").exists() \
    else Path("/work/shared/peer-bench")
PEER_DATA = Path(os.environ.get("BENCH_DIR", "/tmp/peer-bench-deploy"))
DATABASE = WORK_DIR / "peer.db"
INDEX_DIR = WORK_DIR / "peer-search"
# peer-bench's "people" (3,457 posts) makes FlaskBB render every hit on one page, 2.6 s idle: on a
# busy machine that passes gunicorn's 30 s timeout and run.sh stops. "question" (999 posts) does not.
COMMON_WORD, RARE_WORD = os.environ.get("COMMON_WORD", "question"), os.environ.get("RARE_WORD", "zephyr")
BENCH_TOPIC_INDEX = 2499
FORUM_SLUGS = ["general", "help", "off-topic"]


def load_peer_data() -> None:
    """peer-bench's data set into a fresh Peerdesk database: schema by migrations, rows by bulk SQL."""
    sys.path.insert(0, str(PEER_BENCH))
    sys.path.insert(0, str(REPO_ROOT))
    from populate import FORUMS, generate
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    for leftover in (DATABASE, DATABASE.with_suffix(".db-wal"), DATABASE.with_suffix(".db-shm")):
        leftover.unlink(missing_ok=True)
    env = server_environment(page_cache=False)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True)
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.markup import render_markdown
    from app.models import Answer, Category, Thread, User

    users, topics = generate()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=365)
    password = generate_password_hash("peer-bench")
    app = create_app("production")
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(User.__table__), [
            {"id": n + 1, "username": name[:32], "email": email, "password_hash": password, "role": "member",
             "reputation": 0, "created_at": start} for n, (name, email) in enumerate(users)])
        connection.execute(insert(Category.__table__), [
            {"id": n + 1, "slug": slug, "name": forum, "description": category, "position": n + 1,
             "sla_minutes": 240, "staff_response_minutes": 120, "thread_count": 0}
            for n, (slug, (category, forum)) in enumerate(zip(FORUM_SLUGS, FORUMS))])
        threads, answers, counts, answer_id = [], [], {}, 0
        for number, topic in enumerate(topics):
            created = start + timedelta(minutes=number * 90)
            question = topic["posts"][0][1]
            category_id = topic["forum"] + 1
            counts[category_id] = counts.get(category_id, 0) + 1
            threads.append({
                "id": number + 1, "title": topic["title"][:150], "body_source": question,
                "body_html": render_markdown(question), "category_id": category_id,
                "author_id": topic["author"] + 1, "status": "answered", "visibility": "visible",
                "created_at": created, "last_activity_at": created + timedelta(minutes=50),
                "sla_due_at": created + timedelta(hours=4), "first_response_at": created + timedelta(minutes=10),
                "first_staff_response_at": None, "resolved_at": None, "score": 0,
                "answer_count": len(topic["posts"]) - 1, "view_count": 0, "needs_staff": False, "priority": 0,
                "extra_search_terms": "", "helpful_yes": 0, "helpful_no": 0})
            for position, (author, text) in enumerate(topic["posts"][1:], start=1):
                answer_id += 1
                answers.append({"id": answer_id, "thread_id": number + 1, "author_id": author + 1,
                                "body_source": text, "body_html": render_markdown(text), "is_staff": False,
                                "visibility": "visible", "created_at": created + timedelta(minutes=10 * position),
                                "score": 0})
        for batch in range(0, len(threads), 2000):
            connection.execute(insert(Thread.__table__), threads[batch:batch + 2000])
        for batch in range(0, len(answers), 2000):
            connection.execute(insert(Answer.__table__), answers[batch:batch + 2000])
        for category_id, count in counts.items():
            connection.execute(Category.__table__.update().where(Category.__table__.c.id == category_id)
                               .values(thread_count=count))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "search", "reindex"], cwd=REPO_ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"Peerdesk: {len(threads):,} threads, {len(answers):,} answers, {len(users)} users loaded; "
          f"search reindex {time.perf_counter() - started:.0f} s", flush=True)


def server_environment(page_cache: bool) -> dict[str, str]:
    """Production config; rate limits off (one wrk host is one client), background jobs off, Whoosh search."""
    return {**os.environ, "PEERDESK_CONFIG": "production", "SECRET_KEY": "peer-bench", "FORCE_HTTPS": "false",
            "FLASK_APP": "app", "DATABASE_URL": f"sqlite:///{DATABASE}", "RATELIMIT_ENABLED": "false",
            "SLA_RUN_SWEEP_IN_SERVER": "false", "SEARCH_RUN_INDEXER_IN_SERVER": "false",
            "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(INDEX_DIR),
            "PAGE_CACHE_ENABLED": "true" if page_cache else "false",
            "PAGE_CACHE_GENERATIONS_FILE": str(WORK_DIR / "peer-pagecache.generations")}


def run_peer_bench(args) -> Path:
    """peer-bench's run.sh for FlaskBB and the ceiling; returns its results folder."""
    env = {**os.environ, "BENCH_DIR": str(PEER_DATA), "DURATION": args.duration, "REPEATS": str(args.repeats),
           "WARMUP": args.warmup, "SKIP_PY311": "1", "QUIET_PCT": "100", "QUIET_WAIT": "1", "MAX_OTHER_PCT": "100",
           "RETRIES": "0", "COMMON_WORD": COMMON_WORD, "RARE_WORD": RARE_WORD}
    completed = subprocess.run(["bash", str(PEER_BENCH / "run.sh")], env=env, capture_output=True, text=True)
    print(completed.stdout[-3000:], flush=True)
    if completed.returncode:
        raise SystemExit(f"peer-bench run.sh failed:\n{completed.stderr[-2000:]}")
    return Path(re.search(r"results -> (\S+)", completed.stdout).group(1))


def wrk(url: str, args, label: str, out: Path) -> list:
    """peer-bench's wrk command: a warm-up, then `repeats` recorded runs."""
    base = ["wrk", "-t2", "-c16", "--timeout", "60s"]
    subprocess.run([*base, f"-d{args.warmup}", url], capture_output=True, check=True)
    results = []
    for run in range(args.repeats):
        completed = subprocess.run([*base, f"-d{args.duration}", "--latency", url], capture_output=True, text=True,
                                   check=True)
        (out / "raw" / f"{label}.run{run + 1}.txt").write_text(completed.stdout)
        results.append(parse_wrk(completed.stdout))
    return results


def measure_peerdesk(out: Path, args, page_cache: bool) -> dict[str, list]:
    label = "peerdesk" if page_cache else "peerdesk_nocache"
    port = free_port()
    log = open(out / f"{label}.gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(out / "gunicorn_conf.py"),
                               "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=REPO_ROOT,
                              env=server_environment(page_cache), stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                expect_ok(url + "/")
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        endpoints = {"topic": f"/threads/{BENCH_TOPIC_INDEX + 1}", "list": f"/?category={FORUM_SLUGS[0]}",
                     "search_rare": f"/search?q={RARE_WORD}", "search_common": f"/search?q={COMMON_WORD}"}
        results = {}
        for name, path in endpoints.items():
            expect_ok(url + path)
            results[name] = wrk(url + path, args, f"{label}_{name}", out)
            print(f"  {label} {name}: {statistics.median(r.requests_per_second for r in results[name]):,.1f} req/s",
                  flush=True)
        return results
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def recorded(out: Path, labels: dict[str, str]) -> dict[str, list]:
    """Parsed wrk runs from a results folder (run.sh's and ours share its raw/ folder)."""
    results = {}
    for name, label in labels.items():
        runs = sorted((out / "raw").glob(f"{label}.run*.txt"))
        results[name] = [parse_wrk(path.read_text()) for path in runs]
    return results


def flaskbb_results(out: Path) -> dict[str, list]:
    return recorded(out, {"topic": "flaskbb_topic", "list": "flaskbb_forum", "search_rare": "flaskbb_search_rare",
                          "search_common": "flaskbb_search_common", "ceiling": "ceiling_topic"})


def peerdesk_results(out: Path, label: str) -> dict[str, list]:
    return recorded(out, {name: f"{label}_{name}" for name in ("topic", "list", "search_rare", "search_common")})


def median(runs, field):
    return statistics.median(getattr(run, field) for run in runs)


def report(out: Path, args, flaskbb: dict, peerdesk: dict, nocache: dict, started: str) -> str:
    ceiling = median(flaskbb["ceiling"], "requests_per_second")
    other = [float(match) for path in (out / "raw").glob("*.run*.txt")
             for match in re.findall(r"other_pct=([-\d.]+)", path.read_text())]
    rows = ["| endpoint | FlaskBB req/s | Peerdesk req/s (page cache on / off) | Peerdesk ÷ FlaskBB (on / off) "
            "| Peerdesk ÷ bare Flask (on / off) | FlaskBB ÷ bare Flask | p50 FlaskBB / Peerdesk on / off | errors |",
            "|---|---:|---:|---:|---:|---:|---|---:|"]
    names = {"topic": "topic page (6 posts)", "list": "topic list of a forum, page 1",
             "search_rare": f"search \"{RARE_WORD}\" (rare)", "search_common": f"search \"{COMMON_WORD}\" (common)"}
    for key, title in names.items():
        fbb, on, off = (median(r[key], "requests_per_second") if r[key] else 0.0 for r in (flaskbb, peerdesk, nocache))
        p50 = " / ".join(f"{median(r[key], 'p50_ms'):,.0f} ms" if r[key] and median(r[key], "requests") else "–"
                         for r in (flaskbb, peerdesk, nocache))
        errors = sum(run.errors for r in (flaskbb, peerdesk, nocache) for run in r[key])
        versus = (f"{on / fbb:,.1f}× / {off / fbb:,.1f}×" if fbb
                  else f"∞ (FlaskBB finished no request in {args.duration})")
        rows.append(f"| {title} | {fbb:,.1f} | {on:,.1f} / {off:,.1f} | {versus} "
                    f"| {on / ceiling:.3f} / {off / ceiling:.3f} | {fbb / ceiling:.3f} | {p50} | {errors} |")
    return "\n".join([
        "# Peerdesk beside FlaskBB 2.2.0 and bare Flask (one run)",
        "",
        f"- {started}, {os.cpu_count()} cores shared with other work (see the noise line); "
        f"`.venv/bin/python bench/peer_bench.py --duration {args.duration} --repeats {args.repeats}`",
        "- Data: ../shared/peer-bench's `populate.generate()` for both forums: 200 users, 5,000 topics × 6 posts "
        "of about 80 words, 3 forums; FlaskBB on SQLite through its own models, Peerdesk on SQLite by bulk SQL "
        "(bodies rendered by Peerdesk's Markdown pipeline), search: FlaskBB's whooshee, Peerdesk's Whoosh backend",
        "- Servers: gunicorn with peer-bench's config for all three (2 sync workers); Peerdesk with "
        "PEERDESK_CONFIG=production, rate limits and background jobs off; wrk -t2 -c16 --timeout 60s "
        f"--latency, {args.warmup} warm-up, {args.repeats} × {args.duration}, medians",
        f"- Peerdesk endpoints: `/threads/{BENCH_TOPIC_INDEX + 1}`, `/?category={FORUM_SLUGS[0]}`, "
        f"`/search?q=…`; FlaskBB: `/topic/2500`, `/forum/1`, `POST /search`; bare Flask "
        f"(peer-bench's ceiling app, one query + one template): {ceiling:,.1f} req/s",
        f"- Noise: other processes used up to {max(other, default=float('nan')):.0f} % of the machine during "
        "FlaskBB's and the ceiling's runs (peer-bench's probe; a quiet machine reads ≤ 10 %)",
        "",
        *rows,
        "",
        f"FlaskBB's raw output: `{out}`.",
        "",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warmup", default="3s")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the Peerdesk database of the last run")
    parser.add_argument("--report-from", type=Path, help="only write the table from a finished run's folder")
    args = parser.parse_args(argv)
    if args.report_from:
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(args.report_from.stat().st_mtime))
        text = report(args.report_from, args, flaskbb_results(args.report_from),
                      peerdesk_results(args.report_from, "peerdesk"),
                      peerdesk_results(args.report_from, "peerdesk_nocache"), started)
        (BENCH_DIR / "results" / "peer-flaskbb.md").write_text(text)
        print(text)
        return 0
    if not (PEER_DATA / "flaskbb-data" / "populate.json").exists():
        print(f"SKIPPED: run {PEER_BENCH}/setup.sh first (BENCH_DIR={PEER_DATA})")
        return 0
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    if not (args.reuse and DATABASE.exists()):
        load_peer_data()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = run_peer_bench(args)
    measure_peerdesk(out, args, page_cache=True)  # recorded in out/raw, read back like FlaskBB's runs
    measure_peerdesk(out, args, page_cache=False)
    text = report(out, args, flaskbb_results(out), peerdesk_results(out, "peerdesk"),
                  peerdesk_results(out, "peerdesk_nocache"), started)
    path = BENCH_DIR / "results" / "peer-flaskbb.md"
    path.write_text(text)
    print("\n" + text + f"\nWritten to {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
