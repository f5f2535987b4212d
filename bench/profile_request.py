"""Profile Peerdesk requests in-process with cProfile, to explain a slow benchmark row.

    .venv/bin/python bench/profile_request.py /threads/%d [--ids 1-20000] [--requests 200]
        [--database-url sqlite:////tmp/peerdesk-bench/forum.db] [--sort tottime] [--member] [--callers ctx.py:52]

Uses the database forum_bench.py left behind (SQLite) and the production
config, so the profile shows the same code path gunicorn serves; only the
HTTP server and the network are missing, which is the point.
"""
import argparse
import cProfile
import os
import pstats
import random
import sys
import time

from harness import REPO_ROOT, WORK_DIR, production_environment

sys.path.insert(0, str(REPO_ROOT))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a URL path; a %%d in it takes a random id from --ids")
    parser.add_argument("--ids", default="1-20000", help="inclusive id range for %%d, e.g. 1-20000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=f"sqlite:///{WORK_DIR / 'forum.db'}")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--callers", help="also show who calls the functions matching this, e.g. ctx.py:52")
    parser.add_argument("--member", action="store_true", help="signed in as forum_bench's member")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(production_environment(args.database_url))
    from app import create_app

    app = create_app("production")
    if args.member:
        from cpu_per_request import member_client

        client = member_client(app)
    else:
        client = app.test_client()
    low, high = map(int, args.ids.split("-"))
    rng = random.Random(1)
    paths = [args.path % rng.randint(low, high) if "%d" in args.path else args.path
             for _ in range(args.requests + 20)]
    for path in paths[:20]:  # warm-up: template compilation and first connections are not per-request costs
        assert client.get(path).status_code == 200, path
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for path in paths[20:]:
        client.get(path)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.requests} requests in {elapsed:.2f}s under cProfile: {elapsed / args.requests * 1000:.1f} ms each")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
