"""Moderation benchmark: the review queue with 10,000 open flags, and what the permission policy costs.

    .venv/bin/python bench/moderation_bench.py [--threads 10000] [--flags 10000] [--reported 100]
                                               [--duration 10s] [--database sqlite|postgres] [--rounds 3]
                                               [--ports 5210-5299]

1. Seeds a forum (bench/seeding.py) and 10,000 open flags: two flags on each of
   5,000 posts, plus 100 members reported twice each (user-report items spread
   through the queue), so the queue holds 5,100 open items (255 pages of 20).
2. Counts SQL statements in-process: `/mod/` and `GET /api/v1/mod/queue` on the
   first and the last page (must be equal: constant queries per page), and a
   thread page with 1 and with 41 answers as a moderator and as a member (the
   policy must not add a query per answer). It also times every policy call
   made while rendering the 41-answer thread page.
3. Serves Peerdesk and bench/bare_flask.py with gunicorn as production does and
   loads random queue pages with wrk (the moderator's session cookie for `/mod/`,
   a bearer token for the API), with the bare-Flask baseline before and after,
   `--rounds` times; the table reports the medians.

Results: the terminal and bench/results/moderation-<database>.md.
"""
import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import harness
from harness import (BENCH_DIR, GUNICORN_THREADS, GUNICORN_WORKERS, REPO_ROOT, LoadResult, bench_database,
                     expect_ok, gunicorn, markdown_table, parse_wrk, production_environment, run_wrk)

sys.path.insert(0, str(REPO_ROOT))

RESULTS_DIR = BENCH_DIR / "results"
PASSWORD = "peerdesk-bench"
MODERATOR = "bench-moderator"
EXTRA_ANSWERS = 40


def port_in(first: int, last: int):
    """A free port from this bench's own range (--ports), so it never takes another user's port on a shared machine."""
    def pick() -> int:
        for port in range(first, last + 1):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in {first}-{last}")
    return pick


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--flags", type=int, default=10_000, help="open flags, two per flagged post")
    parser.add_argument("--reported", type=int, default=100, help="members with two open reports each")
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warmup", default="2s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="repeat the load; the table shows medians")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--ports", default="", help="e.g. 5210-5299: serve on ports from this range")
    return parser.parse_args(argv)


def seed(database_url: str, args) -> dict:
    """The forum, a moderator, the open flags and one thread with many answers; returns facts for later."""
    os.environ.update(production_environment(database_url))
    from sqlalchemy import insert, select, update

    from app import create_app
    from app.extensions import db
    from app.models import Answer, Flag, ReviewItem, Thread, User, UserReport
    from app.services import accounts
    from seeding import SeedSize, seed_forum

    app = create_app("production")
    with app.app_context():
        report = seed_forum(SeedSize(threads=args.threads, answers_per_thread=1))
        moderator = accounts.register(accounts.Registration(MODERATOR, "mod@bench.example", PASSWORD,
                                                            role="moderator"))
        token, _record = accounts.issue_token(moderator, 24)
        member_ids = list(db.session.scalars(select(User.id).where(User.role == "member").order_by(User.id)))
        items = args.flags // 2
        now = datetime.now(timezone.utc)
        with db.engine.begin() as connection:
            connection.execute(insert(ReviewItem), [
                {"id": number, "kind": "flagged", "thread_id": number, "open_key": f"t:{number}", "status": "open",
                 "flag_weight": 2, "created_at": now - timedelta(minutes=items - number)}
                for number in range(1, items + 1)])
            connection.execute(insert(Flag), [
                {"user_id": member_ids[(number * 2 + which) % len(member_ids)], "thread_id": number,
                 "review_item_id": number, "reason": ("spam", "offensive")[which], "text": "", "weight": 1,
                 "created_at": now}
                for number in range(1, items + 1) for which in (0, 1)])
            reported = member_ids[:args.reported]
            step = max(1, items // max(1, len(reported)))
            connection.execute(insert(ReviewItem), [
                {"id": items + 1 + number, "kind": "user_report", "subject_user_id": member_id,
                 "open_key": f"u:{member_id}", "status": "open", "flag_weight": 0,
                 "created_at": now - timedelta(minutes=items - number * step, seconds=30)}
                for number, member_id in enumerate(reported)])
            connection.execute(insert(UserReport), [
                {"reporter_id": member_ids[-1 - which], "subject_user_id": member_id,
                 "review_item_id": items + 1 + number, "reason": ("abuse", "spam")[which],
                 "text": "Rude to other members", "created_at": now}
                for number, member_id in enumerate(reported) for which in (0, 1)])
            many = connection.execute(select(Thread.id).order_by(Thread.id.desc()).limit(1)).scalar_one()
            few = many - 1
            answer = connection.execute(select(Answer).where(Answer.thread_id == many).limit(1)).mappings().first()
            connection.execute(insert(Answer), [
                {**{key: answer[key] for key in ("body_source", "body_html", "author_id", "is_staff", "score")},
                 "thread_id": many, "visibility": "visible",
                 "created_at": answer["created_at"] + timedelta(minutes=number)} for number in range(EXTRA_ANSWERS)])
            connection.execute(update(Thread).where(Thread.id == many)
                               .values(answer_count=Thread.answer_count + EXTRA_ANSWERS))
        member = db.session.scalar(select(User.username).where(User.id == member_ids[0]))
        db.engine.dispose()
    items += len(reported)
    return {"summary": report.summary(), "token": token, "pages": max(1, -(-items // 20)), "items": items,
            "few": few, "many": many, "member": member}


def count_and_time(database_url: str, facts: dict) -> dict:
    """Statements per page (first vs last queue page; thread page with 1 vs 41 answers) and policy cost."""
    from sqlalchemy import event

    from app import create_app, policy
    from app.extensions import db

    # The page cache off: a visitor's statements are those of a render, not of a cache hit.
    app = create_app("production", {"DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                                    "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
                                    "PAGE_CACHE_ENABLED": False})
    statements = []
    with app.app_context():
        engine = db.engine

    def counter(*_args):
        statements.append(1)

    def statements_for(client, path, headers=None):
        client.get(path, headers=headers or {})          # warm: first requests load metadata
        statements.clear()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            response = client.get(path, headers=headers or {})
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert response.status_code == 200, (path, response.status_code)
        return len(statements)

    results = {}
    bearer = {"Authorization": f"Bearer {facts['token']}"}
    moderator = app.test_client()
    moderator.post("/auth/login", data={"login": MODERATOR, "password": PASSWORD})
    member = app.test_client()
    member.post("/auth/login", data={"login": facts["member"], "password": PASSWORD})
    last = facts["pages"]
    results["/mod/ page 1"] = statements_for(moderator, "/mod/?page=1")
    results[f"/mod/ page {last}"] = statements_for(moderator, f"/mod/?page={last}")
    results["API queue page 1"] = statements_for(moderator, "/api/v1/mod/queue?page=1", bearer)
    results[f"API queue page {last}"] = statements_for(moderator, f"/api/v1/mod/queue?page={last}", bearer)
    for who, client in (("moderator", moderator), ("member", member), ("visitor", app.test_client())):
        results[f"thread page, 1 answer, {who}"] = statements_for(client, f"/threads/{facts['few']}")
        results[f"thread page, {EXTRA_ANSWERS + 1} answers, {who}"] = statements_for(
            client, f"/threads/{facts['many']}")

    calls, spent, depth = [], [], [0]
    originals = {name: getattr(policy, name) for name in dir(policy)
                 if name.startswith(("can_", "is_", "sees_", "trust_level", "write_block", "edit_is"))}

    def timed(function):
        """Time the outermost policy call only (a decision that asks another is counted once)."""
        def wrapper(*args, **kwargs):
            depth[0] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent.append(time.perf_counter() - started)
                    calls.append(function.__name__)
        return wrapper

    render_times = []
    for name, function in originals.items():
        setattr(policy, name, timed(function))
    try:
        for _ in range(20):
            started = time.perf_counter()
            member.get(f"/threads/{facts['many']}")
            render_times.append(time.perf_counter() - started)
    finally:
        for name, function in originals.items():
            setattr(policy, name, function)
    with app.app_context():
        db.engine.dispose()
    results["policy"] = {"calls_per_page": len(calls) / 20, "microseconds_per_page": sum(spent) / 20 * 1e6,
                         "page_ms": statistics.median(render_times) * 1000}
    return results


def session_cookie(base_url: str) -> str:
    """Log the moderator in through the real login form (CSRF and all); return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base_url + "/auth/login").read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
        r'name="csrf_token" value="([^"]+)"', form)
    data = urllib.parse.urlencode({"login": MODERATOR, "password": PASSWORD,
                                   "csrf_token": csrf.group(1) if csrf else ""}).encode()
    opener.open(urllib.request.Request(base_url + "/auth/login", data=data,
                                       headers={"Referer": base_url + "/auth/login", "Origin": base_url}))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def wrk_with_header(base_url: str, path: str, header: str, duration: str, pages: int, connections: int):
    # A 10 s timeout: on a loaded machine a page slower than wrk's default 2 s is measured, not an error.
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency", "--timeout", "10s", "-H", header,
               "-s", str(BENCH_DIR / "random_thread.lua"), base_url, "--", path, "1", str(pages)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(completed.stdout)


def median_result(results: list[LoadResult]) -> LoadResult:
    return LoadResult(requests_per_second=statistics.median(r.requests_per_second for r in results),
                      p50_ms=statistics.median(r.p50_ms for r in results),
                      p99_ms=statistics.median(r.p99_ms for r in results),
                      requests=sum(r.requests for r in results), errors=sum(r.errors for r in results))


def load(database_url: str, facts: dict, args) -> dict[str, LoadResult]:
    env = production_environment(database_url)
    env["SESSION_COOKIE_SECURE"] = "false"
    rounds: dict[str, list[LoadResult]] = {"before": [], "page": [], "api": [], "after": []}
    with gunicorn("wsgi:app", env, "peerdesk-mod", ready_path="/") as peerdesk, \
            gunicorn("bare_flask:app", env, "bare-flask-mod", ready_path="/threads/1", pythonpath=BENCH_DIR) as bare:
        cookie = "Cookie: " + session_cookie(peerdesk)
        bearer = f"Authorization: Bearer {facts['token']}"
        expect_ok(bare + "/threads/1")
        for _ in range(args.rounds):
            rounds["before"].append(run_wrk(bare, "/threads/%d", args.duration, (1, args.threads), args.connections))
            for key, path, header in (("page", "/mod/?page=%d", cookie), ("api", "/api/v1/mod/queue?page=%d", bearer)):
                wrk_with_header(peerdesk, path, header, args.warmup, facts["pages"], args.connections)
                rounds[key].append(wrk_with_header(peerdesk, path, header, args.duration, facts["pages"],
                                                   args.connections))
            rounds["after"].append(run_wrk(bare, "/threads/%d", args.duration, (1, args.threads), args.connections))
            print("  round:", {key: f"{values[-1].requests_per_second:,.0f} req/s" for key, values in rounds.items()},
                  flush=True)
    return {key: median_result(values) for key, values in rounds.items()}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.ports:
        first, _sep, last = args.ports.partition("-")
        harness.free_port = port_in(int(first), int(last or first))
    with bench_database(args.database, "moderation") as database_url:
        print(f"Seeding {args.threads:,} threads and {args.flags:,} open flags into {args.database}…", flush=True)
        facts = seed(database_url, args)
        print(facts["summary"], flush=True)
        counts = count_and_time(database_url, facts)
        load_before = os.getloadavg()[0]
        results = load(database_url, facts, args)
    baseline = LoadResult((results["before"].requests_per_second + results["after"].requests_per_second) / 2,
                          (results["before"].p50_ms + results["after"].p50_ms) / 2,
                          max(results["before"].p99_ms, results["after"].p99_ms), 0, 0)
    policy_cost = counts.pop("policy")
    rows = [("bare Flask: one query + one template (before)", results["before"]),
            ("bare Flask (after)", results["after"]),
            (f"`/mod/?page=N` (1–{facts['pages']}), moderator session", results["page"]),
            (f"`GET /api/v1/mod/queue?page=N` (1–{facts['pages']}), bearer token", results["api"])]
    text = "\n".join([
        f"# Moderation benchmark ({args.database})",
        "",
        f"- command: `{'nice -n ' + str(os.nice(0)) + ' ' if os.nice(0) else ''}.venv/bin/python "
        f"bench/moderation_bench.py {' '.join(sys.argv[1:] if argv is None else argv)}`",
        f"- {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPU cores shared with other work; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        f"- {args.threads:,} threads, {facts['items']:,} open review items ({args.flags:,} open flags on "
        f"{args.flags // 2:,} posts, {args.reported} reported members with 2 reports each); "
        f"{facts['summary']}",
        f"- gunicorn -k gthread -w {GUNICORN_WORKERS} --threads {GUNICORN_THREADS} (production config); "
        f"wrk -t2 -c{args.connections} -d{args.duration} after a {args.warmup} warm-up, random pages; "
        f"medians of {args.rounds} rounds",
        "",
        markdown_table(rows, baseline),
        "",
        "SQL statements per request (constant means the same on the first and the last page, and with 1 or "
        f"{EXTRA_ANSWERS + 1} answers):",
        "",
        "| Request | Statements |",
        "|---|---:|",
        *[f"| {label} | {count} |" for label, count in counts.items()],
        "",
        f"Permission policy on the {EXTRA_ANSWERS + 1}-answer thread page (member): "
        f"{policy_cost['calls_per_page']:.0f} calls, {policy_cost['microseconds_per_page']:.0f} µs in total per page "
        f"(the in-process page takes {policy_cost['page_ms']:.1f} ms), no SQL.",
        "",
    ])
    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / f"moderation-{args.database}.md"
    output.write_text(text)
    print(f"\n{text}\nWritten to {output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
