"""Search backends compared: cold-cache latency of the same queries on Whoosh and PostgreSQL.

    .venv/bin/python bench/search_backends_bench.py [--threads 50000] [--answers 3] [--backends whoosh,postgres]
                                                    [--queries 60] [--keep] [--reuse]

Seeds a PostgreSQL database with bench/seeding.py (bulk SQL, not the services),
fills each backend the way `flask search reindex` does (threads/s), then times
every query in-process, one query at a time (no concurrent load), with every
cache of the app emptied before each query: Whoosh's result pages and decoded
postings (a query that no worker has seen lately), and nothing to empty for
PostgreSQL, which keeps no per-process cache (its shared buffers are warm, as
in production: they are shared by every process of every machine). The
queries are the same on both backends and at every size: common words, rare
words, three words, a common word among resolved threads only, and
similar-question titles; drawn from the 50,000-thread forum's vocabulary and
written to bench/results/search-queries.json on the first run, reused after.
Prints a Markdown table and appends it to bench/results/search-backends.md.

Targets (issue #10): common words p95 < 50 ms at 50,000 threads on both
backends, < 150 ms at 500,000 on PostgreSQL.

``--keep`` leaves the database (peerdesk_bench_search_<threads>) and index for
``--reuse``, which only measures.

``--copies K --from-threads N`` (PostgreSQL only) builds the forum of K × N
threads by bulk SQL from the kept N-thread database instead of seeding it:
its threads and their search documents are copied K - 1 more times under new
ids (every posting list K times as long; the vocabulary stays that of the
seeded forum), then the indexes are rebuilt and the tables analysed.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time

from harness import BENCH_DIR, POSTGRES_SERVER_URL, REPO_ROOT, WORK_DIR
from sqlalchemy import create_engine, text

sys.path.insert(0, str(REPO_ROOT))

RESULTS_DIR = BENCH_DIR / "results"
QUERIES_FILE = RESULTS_DIR / "search-queries.json"
# The baseline shows what the machine's load adds to any request's database work.
KINDS = ("baseline: one thread by primary key", "common", "rare", "three", "common, resolved only", "similar")
TARGETS_MS = {50_000: 50.0, 500_000: 150.0}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=3)
    parser.add_argument("--backends", default="whoosh,postgres")
    parser.add_argument("--queries", type=int, default=60, help="queries per kind")
    parser.add_argument("--keep", action="store_true", help="keep the database and index for --reuse")
    parser.add_argument("--reuse", action="store_true", help="measure the database and index kept by --keep")
    parser.add_argument("--copies", type=int, default=0, help="build K × --from-threads threads by copying")
    parser.add_argument("--from-threads", type=int, default=50_000)
    return parser.parse_args(argv)


def database_name(threads: int) -> str:
    return f"peerdesk_bench_search_{threads}"


def prepare_database(name: str, reuse: bool) -> str:
    admin = create_engine(POSTGRES_SERVER_URL + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if reuse and not exists:
            raise SystemExit(f"--reuse needs a run with --keep first (no database {name})")
        if not reuse:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_SERVER_URL + name


def copy_forum(source_threads: int, copies: int) -> tuple[str, str]:
    """A database of ``copies`` × the kept ``source_threads`` forum, by bulk SQL; (its name, a summary)."""
    source, name = database_name(source_threads), database_name(source_threads * copies)
    started = time.perf_counter()
    admin = create_engine(POSTGRES_SERVER_URL + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    admin.dispose()
    engine = create_engine(POSTGRES_SERVER_URL + name, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        indexes = connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_documents' "
            "AND indexname NOT LIKE 'pk_%'")).all()
        for index_name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{index_name}"'))
        columns = {table: [row[0] for row in connection.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t ORDER BY ordinal_position"),
            {"t": table})] for table in ("threads", "search_documents")}
        for copy in range(1, copies):
            offset = copy * source_threads
            thread_values = ", ".join(
                f"id + {offset}" if column == "id" else "NULL" if column == "accepted_answer_id" else column
                for column in columns["threads"])
            connection.execute(text(f"INSERT INTO threads ({', '.join(columns['threads'])}) "
                                    f"SELECT {thread_values} FROM threads WHERE id <= {source_threads}"))
            document_values = ", ".join(f"thread_id + {offset}" if column == "thread_id" else column
                                        for column in columns["search_documents"])
            connection.execute(text(f"INSERT INTO search_documents ({', '.join(columns['search_documents'])}) "
                                    f"SELECT {document_values} FROM search_documents "
                                    f"WHERE thread_id <= {source_threads}"))
            print(f"  copy {copy + 1} of {copies} written", flush=True)
        for _, definition in indexes:
            connection.execute(text(definition))
        connection.execute(text("VACUUM ANALYZE threads"))
        connection.execute(text("VACUUM ANALYZE search_documents"))
    engine.dispose()
    return name, (f"- {source_threads * copies:,} threads: the kept {source_threads:,}-thread forum's threads and "
                  f"search documents copied {copies - 1} more times under new ids by bulk SQL "
                  f"({time.perf_counter() - started:.0f} s with the index builds); every posting list "
                  f"{copies} times as long, the vocabulary that of the seeded forum")


def drop_database(name: str) -> None:
    admin = create_engine(POSTGRES_SERVER_URL + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(database_url: str, backend: str):
    os.environ.update({"PEERDESK_CONFIG": "production", "SECRET_KEY": "bench", "DATABASE_URL": database_url,
                       "SEARCH_BACKEND": backend, "SEARCH_INDEX_DIR": str(WORK_DIR / "search_backends_index"),
                       "SEARCH_RUN_INDEXER_IN_SERVER": "false", "SLA_RUN_SWEEP_IN_SERVER": "false"})
    from app import create_app

    return create_app("production")


def fill(app, backend: str) -> tuple[int, float]:
    """Rebuild the backend from the database as `flask search reindex` does; (threads, seconds)."""
    from app.search.documents import all_documents
    from app.services import search as search_service

    if backend == "whoosh":
        shutil.rmtree(WORK_DIR / "search_backends_index", ignore_errors=True)
    with app.app_context():
        started = time.perf_counter()
        indexed = search_service.backend().rebuild(all_documents())
        seconds = time.perf_counter() - started
        if backend == "postgres":
            from app.extensions import db

            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE search_documents"))
                connection.execute(text("VACUUM ANALYZE search_words"))
    return indexed, seconds


def query_pools(app, count: int) -> dict[str, list[str]]:
    """The queries of every run: from the vocabulary of this forum, written once and then reused."""
    if QUERIES_FILE.exists():
        return json.loads(QUERIES_FILE.read_text())
    from app.extensions import db
    from app.models import Thread
    from sqlalchemy import select

    rng = random.Random(4)
    with app.app_context():
        with db.engine.connect() as connection:
            frequencies = connection.execute(text("""
                SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', title || ' ' || body_html)
                                                 FROM threads$$)
                WHERE length(word) > 3 AND word ~ '^[a-z]+$' ORDER BY ndoc DESC, word""")).all()
        titles = list(db.session.scalars(select(Thread.title).order_by(Thread.id).limit(20_000)))
    from app.search.analysis import STOP_WORDS

    frequencies = [(word, ndoc) for word, ndoc in frequencies if word not in STOP_WORDS]
    words = [word for word, _ in frequencies]
    common, middle = words[:50], words[50:1500]
    rare = [word for word, ndoc in frequencies if 2 <= ndoc <= 20][:2000] or words[-2000:]
    pools = {
        "common": [rng.choice(common) for _ in range(count)],
        "rare": [rng.choice(rare) for _ in range(count)],
        "three": [" ".join(rng.sample(middle, 3)) for _ in range(count)],
        "titles": rng.sample(titles, count),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    QUERIES_FILE.write_text(json.dumps(pools, indent=1) + "\n")
    return pools


def empty_app_caches(backend) -> None:
    """Forget what this process remembers of earlier searches (Whoosh only; PostgreSQL keeps nothing)."""
    from app.search import WhooshBackend, hot_postings, word_scoring

    if isinstance(backend, WhooshBackend):
        hot_postings.forget_headers()
        if backend._pages is not None:
            backend._pages = type(backend._pages)(backend._pages._size)
        backend._filters = type(backend._filters)(backend._filters._size)
        with word_scoring._postings_lock:
            word_scoring._postings_cache.clear()
            word_scoring._cached_postings = 0


def measure(app, pools: dict[str, list[str]]) -> dict[str, list[float]]:
    """Milliseconds of each query, cold, through the search service (as the API calls it)."""
    from app.extensions import db
    from app.search import SearchQuery
    from app.services import search as search_service

    from app.models import Thread

    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    rng = random.Random(5)
    runs = {
        "baseline: one thread by primary key": [(lambda n=rng.randint(1, 50_000): db.session.get(Thread, n))
                                                for _ in pools["common"]],
        "common": [(lambda q=q: search_service.search(SearchQuery(q, per_page=10))) for q in pools["common"]],
        "rare": [(lambda q=q: search_service.search(SearchQuery(q, per_page=10))) for q in pools["rare"]],
        "three": [(lambda q=q: search_service.search(SearchQuery(q, per_page=10))) for q in pools["three"]],
        "common, resolved only": [(lambda q=q: search_service.search(SearchQuery(q, status="resolved", per_page=10)))
                                  for q in pools["common"]],
        "similar": [(lambda q=q: search_service.similar(q)) for q in pools["titles"]],
    }
    with app.app_context():
        database = db.engine.url.database
        backend = search_service.backend()
        runs["common"][0]()  # open the index / the connection pool once
        for kind in KINDS:
            for run in runs[kind]:
                empty_app_caches(backend)
                db.session.remove()
                server_before = _database_cpu_seconds(database)
                started, cpu_started = time.perf_counter(), time.process_time()
                run()
                timings[kind].append((time.perf_counter() - started) * 1000)
                client = time.process_time() - cpu_started
                db.session.remove()
                cpu[kind].append((client + _database_cpu_seconds(database) - server_before) * 1000)
        db.session.remove()
    return timings, cpu


def _database_cpu_seconds(database: str) -> float:
    """CPU time used so far by the PostgreSQL backends serving ``database`` (this script's connections)."""
    from app.extensions import db

    with db.engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                  {"d": database}).scalars().all()
    total = 0.0
    for pid in pids:
        try:  # nanoseconds on a CPU, as the scheduler counts them
            total += int(open(f"/proc/{pid}/schedstat").read().split()[0]) / 1e9
        except OSError:  # ended meanwhile
            continue
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv=None) -> int:
    args = parse_args(argv)
    backends = args.backends.split(",")
    summary = []
    if args.copies:
        if backends != ["postgres"]:
            raise SystemExit("--copies builds a PostgreSQL forum: use --backends postgres")
        name, line = copy_forum(args.from_threads, args.copies)
        summary.append(line)
        args.threads, args.reuse = args.from_threads * args.copies, True
    else:
        name = database_name(args.threads)
    database_url = prepare_database(name, args.reuse)
    apps = {}
    try:
        seed_app = make_app(database_url, backends[0])
        if not args.reuse:
            from seeding import SeedSize, seed_forum

            with seed_app.app_context():
                print(f"Seeding {args.threads:,} threads × {args.answers} answers…", flush=True)
                report = seed_forum(SeedSize(threads=args.threads, answers_per_thread=args.answers))
                summary.append(f"- {args.threads:,} threads × {args.answers} answers, {report.summary()}")
        pools = query_pools(seed_app, args.queries)
        for backend in backends:
            apps[backend] = make_app(database_url, backend)
            if not args.reuse:
                indexed, seconds = fill(apps[backend], backend)
                line = (f"- {backend}: filled from the database as `flask search reindex` does: {indexed:,} threads "
                        f"in {seconds:.0f} s = {indexed / seconds:,.0f} threads/s")
                print(line, flush=True)
                summary.append(line)
        results, cpu = {}, {}
        for backend in backends:
            print(f"Measuring {backend}…", flush=True)
            results[backend], cpu[backend] = measure(apps[backend], pools)
    finally:
        if not args.keep:
            drop_database(name)
    load = os.getloadavg()[0]
    lines = [
        f"## {args.threads:,} threads ({time.strftime('%Y-%m-%d %H:%M %Z')})",
        "",
        f"- `bench/search_backends_bench.py --threads {args.threads}`: {os.cpu_count()} CPU cores shared with other "
        f"work (load average {load:.1f} at the end); PostgreSQL 15, shared_buffers as configured on this machine",
        f"- {len(pools['common'])} queries per row, each timed once in-process through app/services/search.py "
        "after emptying every per-process cache (cold); the same queries on both backends "
        "(bench/results/search-queries.json)",
        *summary,
        "",
        "- Wall time is what a user waits on this machine now; CPU time (this process plus the PostgreSQL "
        "backends serving it, from /proc/<pid>/schedstat) is the work the query costs, which the machine's load "
        "does not stretch",
        "",
        "| Query | " + " | ".join(f"{backend} wall p50 | wall p95 | CPU p50 | CPU p95" for backend in backends) + " |",
        "|---|" + "---:|---:|---:|---:|" * len(backends),
    ]
    for kind in KINDS:
        cells = " | ".join(f"{statistics.median(results[b][kind]):.1f} ms | {percentile(results[b][kind], 0.95):.1f} ms"
                           f" | {statistics.median(cpu[b][kind]):.0f} ms | {percentile(cpu[b][kind], 0.95):.0f} ms"
                           for b in backends)
        lines.append(f"| {kind} | {cells} |")
    target = TARGETS_MS.get(args.threads)
    if target:
        verdicts = [f"{b}: common words p95 {percentile(results[b]['common'], 0.95):.1f} ms wall "
                    f"({'meets' if percentile(results[b]['common'], 0.95) < target else 'misses'} the "
                    f"{target:.0f} ms target), {percentile(cpu[b]['common'], 0.95):.0f} ms CPU "
                    f"({'meets' if percentile(cpu[b]['common'], 0.95) < target else 'misses'} it)"
                    for b in backends]
        lines += ["", "; ".join(verdicts) + "."]
    text_out = "\n".join(lines) + "\n"
    print("\n" + text_out)
    RESULTS_DIR.mkdir(exist_ok=True)
    with open(RESULTS_DIR / "search-backends.md", "a") as results_file:
        results_file.write("\n" + text_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
