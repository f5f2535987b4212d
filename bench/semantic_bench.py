"""Meaning-aware ranking benchmark (issue #11): embedding throughput, memory per worker, and p50/p95 of
similar questions and search with SEARCH_SEMANTIC off and on, beside bare Flask in the same run.

    nice -n -10 .venv/bin/python bench/semantic_bench.py [--threads 50000] [--embed 500] [--duration 10s]

1. Seeds a fresh SQLite database with bench/seeding.py and builds the Whoosh
   index as `flask search reindex` does.
2. Embeds ``--embed`` threads with the indexer's own code (store.rebuild) and
   reports threads/s, by the clock and per CPU second of the process (the
   latter does not depend on how busy the shared machine is). The model's cost
   per thread does not depend on how many there are, so the rate holds for all
   50,000; embedding them all takes 50,000 / rate seconds. The vectors of the remaining threads are copies of
   measured ones with a little noise, renormalised: a nearest-neighbour lookup
   costs the same whatever the vectors hold, and the bench runs in minutes.
3. Profiles the similar-questions call in-process (what one request spends on
   embedding the title, the nearest-neighbour lookup over every vector, the
   word ranking and the rest), over 50,000 vectors.
4. Serves Peerdesk three times with the same gunicorn settings (SEARCH_SEMANTIC
   off, on) and bare Flask before and after, and loads each endpoint with wrk
   at 2 connections (one per core, no queueing) with titles and searches that
   each carry a random number, so the query embedding cache never answers.
5. Reads the memory of the gunicorn workers after their load (RSS, and PSS,
   which splits the pages the workers share, such as the memory-mapped model).

Results: the terminal and bench/results/semantic.md.
"""
import argparse
import os
import random
import sys
import time
import urllib.parse
from contextlib import nullcontext

from harness import (BENCH_DIR, GUNICORN_THREADS, GUNICORN_WORKERS, REPO_ROOT, WORK_DIR, bench_database, expect_ok,
                     gunicorn, worker_memory_mib)
from search_bench import path_file, run_wrk_paths, search_environment, seed_and_index

sys.path.insert(0, str(REPO_ROOT))

RESULTS_DIR = BENCH_DIR / "results"
P95_TARGET_MS = 100.0
QUERIES = 2000


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=3)
    parser.add_argument("--embed", type=int, default=500, help="threads embedded for real (the rate)")
    parser.add_argument("--profile", type=int, default=200, help="similar-question calls profiled in-process")
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warmup", default="2s")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--reuse", action="store_true",
                        help="serve the previous full run's database, index and vectors (no seeding, no embedding)")
    parser.add_argument("--parts-only", action="store_true",
                        help="no server, no index: embedding rate, title embedding and lookup over --threads "
                             "vectors, in-process, on the database a previous run seeded (read only)")
    return parser.parse_args(argv)


def embed_and_fill(database_url: str, sample: int) -> tuple[int, float, float]:
    """Embed ``sample`` threads for real, then give every other thread a perturbed copy.

    Returns (embedded, seconds by the clock, CPU seconds of this process).
    """
    os.environ.update(search_environment(database_url), SEARCH_SEMANTIC="on")
    import numpy as np
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Thread, ThreadVector
    from app.search.documents import all_documents
    from app.search.semantic import store
    from app.search.semantic.encoder import MODEL_NAME

    app = create_app("production")
    with app.app_context():
        db.create_all()  # the seeder made the tables of its models; the vector table is one of them
        store.extension().encoder.load()
        docs = []
        for doc in all_documents():
            docs.append(doc)
            if len(docs) == sample:
                break
        started, cpu_started = time.perf_counter(), time.process_time()
        embedded = store.rebuild(docs)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        rows = db.session.execute(select(ThreadVector.vector)).scalars().all()
        measured = np.frombuffer(b"".join(rows), dtype="<f4").reshape(len(rows), -1)
        rng = np.random.default_rng(11)
        ids = [thread_id for thread_id in db.session.scalars(select(Thread.id).order_by(Thread.id))
               if thread_id > docs[-1].thread_id]
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            vectors = measured[rng.integers(0, len(measured), len(chunk))] + rng.normal(0, 0.02, (len(chunk), 384))
            vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("<f4")
            db.session.execute(ThreadVector.__table__.insert(), [
                {"thread_id": thread_id, "model": MODEL_NAME, "text_digest": "bench-copy", "revision": 1,
                 "vector": vector.tobytes()} for thread_id, vector in zip(chunk, vectors)])
            db.session.commit()
        db.engine.dispose()
    return embedded, seconds, cpu_seconds


def profile_similar(database_url: str, titles: list[str], calls: int, rng: random.Random) -> dict[str, list[float]]:
    """Milliseconds per part of one similar-questions call, over ``calls`` titles the query cache has not seen."""
    os.environ.update(search_environment(database_url), SEARCH_SEMANTIC="on")
    from app import create_app
    from app.extensions import db
    from app.search.semantic import store
    from app.services import search as search_service
    from app.services.meaning import SIMILAR_DEPTH

    app = create_app("production")
    parts: dict[str, list[float]] = {"first load of the vectors": []}
    with app.test_request_context():
        ext = store.extension()
        ext.encoder.load()
        started = time.perf_counter()
        neighbours = ext.current()
        parts["first load of the vectors"].append((time.perf_counter() - started) * 1000)
        backend = search_service.backend()
        for _ in range(calls):
            title, other = (f"{rng.choice(titles)} {rng.randint(1, 10**9)}" for _ in range(2))
            timings = {}
            started = time.perf_counter()
            search_service.similar(title)
            timings["whole call (search_service.similar)"] = time.perf_counter()
            vector = ext.encoder.embed_query(other)
            timings["of which: embed the title (one core)"] = time.perf_counter()
            neighbours.nearest(vector, SIMILAR_DEPTH)
            timings[f"of which: nearest {SIMILAR_DEPTH} of {len(neighbours):,} vectors"] = time.perf_counter()
            backend.similar(other, SIMILAR_DEPTH)
            timings["of which: word ranking (Whoosh)"] = time.perf_counter()
            previous = started
            for part, moment in timings.items():
                parts.setdefault(part, []).append((moment - previous) * 1000)
                previous = moment
        db.session.remove()
        db.engine.dispose()
    return parts


def measure_parts(database_url: str, args, rng: random.Random) -> list[str]:
    """The costs that do not need a server: embedding rate, title embedding and nearest-neighbour lookup."""
    os.environ.update(search_environment(database_url), SEARCH_BACKEND="null")
    import numpy as np

    from app import create_app
    from app.search.documents import all_documents
    from app.search.semantic.encoder import Encoder, thread_text
    from app.search.semantic.neighbours import Neighbours
    from app.search.semantic.store import EMBED_BATCH
    from app.services.meaning import SIMILAR_DEPTH

    app = create_app("production")
    encoder = Encoder()
    started = time.perf_counter()
    encoder.load()
    load_seconds = time.perf_counter() - started
    with app.app_context():
        docs = []
        for doc in all_documents():
            docs.append(doc)
            if len(docs) == args.embed:
                break
    texts = [thread_text(doc.title, doc.question_text, doc.category, doc.tags) for doc in docs]
    started, cpu_started = time.perf_counter(), time.process_time()
    vectors = np.concatenate([encoder.embed(texts[at:at + EMBED_BATCH]) for at in range(0, len(texts), EMBED_BATCH)])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    copies = vectors[np.random.default_rng(11).integers(0, len(vectors), args.threads)]
    copies = copies + np.random.default_rng(12).normal(0, 0.02, copies.shape)
    copies = (copies / np.linalg.norm(copies, axis=1, keepdims=True)).astype(np.float32)
    neighbours = Neighbours()
    neighbours.replace(np.arange(1, args.threads + 1), copies)
    embed_ms, lookup_ms, embed_cpu, lookup_cpu = [], [], [], []
    for doc in docs[:args.profile]:
        title = f"{doc.title} {rng.randint(1, 10**9)}"
        started, cpu_started = time.perf_counter(), time.process_time()
        vector = encoder.embed_query(title)
        middle, cpu_middle = time.perf_counter(), time.process_time()
        neighbours.nearest(vector, SIMILAR_DEPTH)
        embed_ms.append((middle - started) * 1000)
        lookup_ms.append((time.perf_counter() - middle) * 1000)
        embed_cpu.append((cpu_middle - cpu_started) * 1000)
        lookup_cpu.append((time.process_time() - cpu_middle) * 1000)
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))
    mean_chars = sum(map(len, texts)) / len(texts)
    return [
        f"- Model load: {load_seconds:.2f} s. Embedding {len(texts):,} seeded threads (mean {mean_chars:.0f} characters "
        f"embedded) in batches of {EMBED_BATCH}: {seconds:.1f} s = **{len(texts) / seconds:.1f} threads/s** by the clock, "
        f"**{len(texts) / cpu_seconds:.1f} threads per CPU second**; {args.threads:,} threads: about "
        f"{args.threads / (len(texts) / seconds) / 3600:.1f} h at this load, {args.threads / (len(texts) / cpu_seconds) / 3600:.1f} h of one core",
        f"- Title embedding (one core, each title new to the cache), {len(embed_ms)} titles: p50 {percentile(embed_ms, 0.5):.1f} ms, "
        f"p95 {percentile(embed_ms, 0.95):.1f} ms by the clock; CPU time p50 {percentile(embed_cpu, 0.5):.1f} ms, "
        f"p95 {percentile(embed_cpu, 0.95):.1f} ms",
        f"- Exact nearest {SIMILAR_DEPTH} of {args.threads:,} vectors (one float32 matrix, {copies.nbytes / 2**20:.0f} MiB): "
        f"p50 {percentile(lookup_ms, 0.5):.1f} ms, p95 {percentile(lookup_ms, 0.95):.1f} ms by the clock; CPU time "
        f"p50 {percentile(lookup_cpu, 0.5):.1f} ms, p95 {percentile(lookup_cpu, 0.95):.1f} ms",
        f"- This process with the model and {args.threads:,} vectors: {rss:.0f} MiB resident",
    ]


def reused_titles(database_url: str) -> dict[str, list[str]]:
    """Thread titles of the previous full run's database, for the typed titles and searches."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        titles = list(connection.scalars(text("SELECT title FROM threads ORDER BY id")))
    engine.dispose()
    return {"titles": titles}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def unique_queries(titles: list[str], rng: random.Random) -> dict[str, list[str]]:
    quote = urllib.parse.quote
    picks = [f"{rng.choice(titles)} {rng.randint(1, 10**9)}" for _ in range(QUERIES)]
    words = [f"{' '.join(rng.sample(rng.choice(titles).split(), 2))} {rng.randint(1, 10**9)}"
             for _ in range(QUERIES)]
    return {"similar": [f"/api/v1/search/similar?title={quote(q)}" for q in picks],
            "search": [f"/api/v1/search?q={quote(q)}" for q in words]}


def main(argv=None) -> int:
    from app.search.semantic.store import EMBED_BATCH

    args = parse_args(argv)
    rng = random.Random(7)
    if args.parts_only:
        database_url = f"sqlite:///{WORK_DIR / 'semantic.db'}"
        load_before = os.getloadavg()
        lines = measure_parts(database_url, args, rng)
        text = "\n".join([
            "# Meaning-aware ranking: the parts, in-process (no server)", "",
            f"Command: `nice -n -10 .venv/bin/python bench/semantic_bench.py {' '.join(argv or sys.argv[1:])}`", "",
            f"- {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPU cores shared with other sessions; load average "
            f"{load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after", *lines, ""])
        print(text)
        return 0
    reused = nullcontext(f"sqlite:///{WORK_DIR / 'semantic.db'}")
    with (reused if args.reuse else bench_database("sqlite", "semantic")) as database_url:
        if args.reuse:
            seed_summary, pools = "database, index and vectors of the previous full run (--reuse)", reused_titles(database_url)
        else:
            print(f"Seeding {args.threads:,} threads × {args.answers} answers…", flush=True)
            seed_summary, indexed, reindex_seconds, pools = seed_and_index(database_url, args)
            print(f"Reindexed {indexed:,} threads (words) in {reindex_seconds:.1f} s; embedding {args.embed:,}…",
                  flush=True)
            embedded, embed_seconds, embed_cpu = embed_and_fill(database_url, args.embed)
            rate, cpu_rate = embedded / embed_seconds, embedded / embed_cpu
            print(f"Embedded {embedded:,} threads in {embed_seconds:.1f} s = {rate:.1f} threads/s "
                  f"({cpu_rate:.1f} per CPU second)", flush=True)
        profile = profile_similar(database_url, pools["titles"], args.profile, rng)
        for part, values in profile.items():
            print(f"  {part}: p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms",
                  flush=True)
        queries = unique_queries(pools["titles"], rng)
        env = search_environment(database_url)
        bare_paths = [f"/threads/{rng.randint(1, args.threads)}" for _ in range(1000)]
        rows, memory = [], {}
        per_worker = max(1, args.connections // GUNICORN_WORKERS)  # one connection per worker, as the note above says

        def load(label, base_url, paths, number):
            expect_ok(base_url + paths[0])
            paths_file = path_file(f"semantic-{number}", paths)
            run_wrk_paths(base_url, paths_file, args.warmup, args.connections)
            result, p95 = run_wrk_paths(base_url, paths_file, args.duration, args.connections)
            print(f"  {label}: {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                  f"p95 {p95:.1f} ms", flush=True)
            rows.append((label, result, p95))

        load_before = os.getloadavg()[0]
        with gunicorn("bare_flask:app", env, "bare-flask", ready_path="/threads/1", pythonpath=BENCH_DIR,
                      connections_per_worker=per_worker) as bare:
            load("bare Flask: one query + one template (before)", bare, bare_paths, 0)
        for number, semantic in enumerate(("off", "on"), start=1):
            server_env = {**env, "SEARCH_SEMANTIC": semantic}
            with gunicorn("wsgi:app", server_env, f"peerdesk-semantic-{semantic}", ready_path="/api/v1/search?q=warm",
                          connections_per_worker=per_worker) as peerdesk:
                load(f"`/api/v1/search/similar`, SEARCH_SEMANTIC={semantic}", peerdesk, queries["similar"],
                     number * 10)
                load(f"`/api/v1/search` two words, SEARCH_SEMANTIC={semantic}", peerdesk, queries["search"],
                     number * 10 + 1)
                memory[semantic] = worker_memory_mib(peerdesk.pid)
        with gunicorn("bare_flask:app", env, "bare-flask", ready_path="/threads/1", pythonpath=BENCH_DIR,
                      connections_per_worker=per_worker) as bare:
            load("bare Flask: one query + one template (after)", bare, bare_paths, 99)
    baseline = (rows[0][1].requests_per_second + rows[-1][1].requests_per_second) / 2
    similar_on = next(p95 for label, _, p95 in rows if "similar" in label and label.endswith("=on"))
    lines = [
        "# Meaning-aware ranking benchmark (sqlite)",
        "",
        f"Command: `nice -n -10 .venv/bin/python bench/semantic_bench.py {' '.join(argv or sys.argv[1:])}`",
        "",
        f"- {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPU cores shared with other work "
        f"(load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after); wrk and servers on one machine",
        f"- {args.threads:,} threads × {args.answers} answers, {seed_summary}",
        *([] if args.reuse else [
            f"- Embedding with the indexer's code (`store.rebuild`, batches of {EMBED_BATCH}, one core): {embedded:,} "
            f"threads in {embed_seconds:.1f} s = **{rate:.1f} threads/s** by the clock, **{cpu_rate:.1f} threads per CPU "
            f"second**; all {args.threads:,} threads would take about {args.threads / rate / 3600:.1f} h at this load "
            f"({args.threads / cpu_rate / 3600:.1f} h of one core), in `flask search reindex` or the idle indexer. "
            "The other threads' vectors are perturbed copies of the measured ones"]),
        f"- gunicorn -k gthread -w {GUNICORN_WORKERS} --threads {GUNICORN_THREADS} --worker-connections "
        f"{max(1, args.connections // GUNICORN_WORKERS)}, PEERDESK_CONFIG=production; "
        f"wrk -t2 -c{args.connections} -d{args.duration} after a {args.warmup} warm-up; {QUERIES:,} different "
        "titles/searches per row, each with a random number, so every request embeds its text",
        "- Memory of the larger worker after its load (RSS / PSS, MiB): SEARCH_SEMANTIC=off "
        f"{memory['off'][0]:.0f} / {memory['off'][1]:.0f}; on {memory['on'][0]:.0f} / {memory['on'][1]:.0f} "
        f"(model, {args.threads:,} vectors)",
        "",
        f"In-process profile of one similar-questions call ({args.profile} titles, each new to the query cache):",
        "",
        "| Part | p50 | p95 |",
        "|---|---:|---:|",
        *[f"| {part} | {percentile(values, 0.5):.1f} ms | {percentile(values, 0.95):.1f} ms |"
          for part, values in profile.items()],
        "",
        "| Endpoint | Requests/s | p50 | p95 | p99 | Errors | × bare Flask |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, result, p95 in rows:
        lines.append(f"| {label} | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} ms | {p95:.1f} ms "
                     f"| {result.p99_ms:.1f} ms | {result.errors} | {result.requests_per_second / baseline:.2f} |")
    lines += ["", f"Similar questions with SEARCH_SEMANTIC=on: p95 {similar_on:.1f} ms "
              f"({'meets' if similar_on < P95_TARGET_MS else 'misses'} the {P95_TARGET_MS:.0f} ms budget).", ""]
    text = "\n".join(lines)
    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / "semantic.md"
    output.write_text(text)
    print(f"\n{text}\nWritten to {output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
