"""CPU milliseconds per request, in-process, beside bare Flask: a ratio that other tenants of the machine barely move.

    .venv/bin/python bench/cpu_per_request.py [--requests 300] [--repeat 2]
        [--database-url sqlite:////tmp/peerdesk-bench/forum.db] [bare visitor api member list]

wrk's requests/s share the cores with everything else on the machine; this
process's CPU time does not (it still moves with cache and frequency effects,
so repeat it). Each request goes through the whole WSGI app with the Flask
test client, page cache off (the cold render), random ids from the database
forum_bench.py left behind. The ratio bare ÷ Peerdesk is a pessimistic
estimate of the wrk ratio: gunicorn's and wrk's own cost per request, which
both sides pay, is missing from it.
"""
import argparse
import os
import random
import sys
import time

from harness import REPO_ROOT, WORK_DIR, production_environment

sys.path.insert(0, str(REPO_ROOT))

PATHS = {"bare": "/threads/%d", "visitor": "/threads/%d", "api": "/api/v1/threads/%d", "member": "/threads/%d",
         "list": "/?page=%d"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help=f"any of {', '.join(PATHS)} (default: bare visitor api member)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=20_000, help="ids are drawn from 1..threads")
    parser.add_argument("--database-url", default=f"sqlite:///{WORK_DIR / 'forum.db'}")
    args = parser.parse_args(argv)
    unknown = set(args.pages) - set(PATHS)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    return args


def cpu_ms(client, path: str, requests: int, highest_id: int) -> float:
    rng = random.Random(1)
    paths = [path % rng.randint(1, highest_id) if "%d" in path else path for _ in range(requests + 30)]
    for warm in paths[:30]:  # template compilation and first connections are not per-request costs
        assert client.get(warm).status_code == 200, warm
    started = time.process_time()
    for measured in paths[30:]:
        client.get(measured)
    return (time.process_time() - started) / requests * 1000


def member_client(app):
    """A test client logged in as forum_bench's member, through the real form."""
    from forum_bench import MEMBER_ID
    from seeding import FIRST_NAMES

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/auth/login", data={
        "csrf_token": token, "login": f"{FIRST_NAMES[MEMBER_ID % len(FIRST_NAMES)]}{MEMBER_ID}",
        "password": "peerdesk-bench"})
    if response.status_code != 302:
        raise RuntimeError(f"could not log the bench member in ({response.status_code})")
    return client


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(production_environment(args.database_url))
    os.environ["PAGE_CACHE_ENABLED"] = "false"
    from bare_flask import create_bare_app

    from app import create_app

    app = create_app("production")
    clients = {"bare": create_bare_app(args.database_url).test_client(), "member": member_client(app)}
    pages = ["bare", *(page for page in args.pages or ("visitor", "api", "member") if page != "bare")]
    for _ in range(args.repeat):
        measured = {page: cpu_ms(clients.get(page) or app.test_client(), PATHS[page], args.requests,
                                 args.threads if page != "list" else 50) for page in pages}
        print("  ".join(f"{page} {ms:.2f} ms" for page, ms in measured.items()) + "  |  × bare Flask: "
              + ", ".join(f"{page} {measured['bare'] / ms:.3f}" for page, ms in measured.items() if page != "bare"),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
