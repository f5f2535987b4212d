"""Relevance of similar questions and search on Peerdesk's own evaluation set (issue #11).

Loads ``threads.json`` into a fresh database through the real services (ask,
answer, accept), lets the real indexer fill the search index, then asks each
target thread's paraphrased queries through ``search.similar`` (what the ask
page and ``GET /api/v1/search/similar`` show) and ``search.search`` (the search
page), and prints recall@1, recall@5 and MRR per language for each ranking.

Queries are split in two halves by their position in the file: the *tune*
half is the one used to choose the fusion settings, the *test* half the one to
report. "status inversions" counts queries whose relevant thread is not
resolved and is ranked below a resolved distractor (a thread of the set
without queries: same product, another problem), or is missing while one is
shown: the ranking must not let status trump relevance. Other targets above
it do not count, as some are near it in meaning (the printer that is not
found on Wi-Fi, the Wi-Fi setup that fails).

    .venv/bin/python bench/relevance/evaluate.py                      # every ranking
    .venv/bin/python bench/relevance/evaluate.py --ranking words      # one of them
    .venv/bin/python bench/relevance/evaluate.py --overlap            # words shared with the thread

``evaluate()`` is also what the test suite runs on a slice of the set.
"""
import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SET_FILE = Path(__file__).with_name("threads.json")
PASSWORD = "relevance-set-2026"
CUTOFF = 5

# Each ranking is the configuration it runs under.
RANKINGS = {
    "words": {"SEARCH_SEMANTIC": False},
    "meaning": {"SEARCH_SEMANTIC": True, "SEARCH_FUSION_LEXICAL_WEIGHT": 0.0, "SEARCH_SEMANTIC_MIN_SIMILARITY": 0.0},
    "hybrid": {"SEARCH_SEMANTIC": True},
}


def load_set(path: Path = SET_FILE) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["threads"]


@dataclass
class Score:
    """Recall@1, recall@5 and MRR of one endpoint over some queries."""

    queries: int = 0
    at_1: int = 0
    at_5: int = 0
    reciprocal: float = 0.0
    inversions: int = 0
    misses: list = field(default_factory=list)

    def add(self, rank: int | None, inverted: bool, miss: tuple) -> None:
        self.queries += 1
        if rank is not None:
            self.at_1 += rank == 1
            self.at_5 += rank <= CUTOFF
            self.reciprocal += 1 / rank
        if rank is None or rank > 1:
            self.misses.append(miss)
        self.inversions += inverted

    @property
    def recall_1(self) -> float:
        return self.at_1 / self.queries if self.queries else 0.0

    @property
    def recall_5(self) -> float:
        return self.at_5 / self.queries if self.queries else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.queries if self.queries else 0.0


def build_forum(app, threads: list[dict]) -> dict[str, int]:
    """The set's threads in ``app``'s (empty) database; thread id by key."""
    from app.extensions import db
    from app.models import Category, Thread, User
    from app.search.indexer import drain_all
    from app.services import accounts, posting, resolution

    with app.app_context():
        db.create_all()
        users = {}
        for name in ("asker", "helper"):
            users[name] = accounts.register(accounts.Registration(name, f"{name}@example.com", PASSWORD)).id
        for slug in sorted({thread["category"] for thread in threads}):
            db.session.add(Category(slug=slug, name=slug.title(), description=slug, sla_minutes=240,
                                    staff_response_minutes=120))
        db.session.commit()
        ids = {}
        for thread in threads:
            asker, helper = db.session.get(User, users["asker"]), db.session.get(User, users["helper"])
            draft = posting.QuestionDraft(thread["title"], thread["body"], thread["category"], thread["tags"])
            thread_id = posting.ask(asker, draft).id
            answer_id = posting.answer(helper, posting.visible_thread(thread_id), thread["answer"]).id
            if thread["status"] == "resolved":
                resolution.accept(db.session.get(User, users["asker"]), db.session.get(Thread, thread_id), answer_id)
            ids[thread["key"]] = thread_id
        drain_all()
        db.session.remove()
    return ids


def make_app(workdir: Path, overrides: dict | None = None):
    from app import create_app

    return create_app("testing", {"DATABASE_URL": f"sqlite:///{workdir / 'relevance.db'}",
                                  "SEARCH_INDEX_DIR": str(workdir / "index"), "RATELIMIT_ENABLED": False,
                                  **(overrides or {})})


def evaluate(app, threads: list[dict], ids: dict[str, int], ranking: dict,
             split: str = "all", endpoints=("similar", "search")) -> dict[tuple[str, str], Score]:
    """Scores by (endpoint, language) for one ranking, over the queries of ``split``."""
    from app.extensions import db
    from app.search import SearchQuery
    from app.services import search as search_service

    by_id = {ids[thread["key"]]: thread for thread in threads}
    scores: dict[tuple[str, str], Score] = {}
    saved = {key: app.config.get(key) for key in ranking}
    app.config.update(ranking)
    try:
        with app.test_request_context():
            for position, (thread, query) in enumerate(queries_of(threads)):
                if split != "all" and (position % 2 == 0) != (split == "tune"):
                    continue
                target = ids[thread["key"]]
                rankings = {
                    "similar": lambda: [hit.thread_id for hit in search_service.similar(query)],
                    "search": lambda: [hit.thread_id for hit in
                                       search_service.search(SearchQuery(text=query, per_page=CUTOFF)).items],
                }
                for endpoint in endpoints:
                    ranked = rankings[endpoint]()
                    rank = ranked.index(target) + 1 if target in ranked else None
                    inverted = thread["status"] != "resolved" and any(
                        by_id[other]["status"] == "resolved" and not by_id[other]["queries"]
                        for other in ranked[:(rank or len(ranked) + 1) - 1])
                    top = by_id[ranked[0]]["title"] if ranked else "-"
                    scores.setdefault((endpoint, thread["lang"]), Score()).add(
                        rank, inverted, (query, thread["title"], rank, top))
            db.session.remove()
    finally:
        app.config.update(saved)
    return scores


def tune(app, threads: list[dict], ids: dict[str, int]) -> list[tuple[tuple, dict]]:
    """Every fusion setting of a small grid, scored on the tune half by similar questions; best first.

    The score is the lower of the two languages' recall@5, then their mean MRR:
    a setting must serve German and English askers alike.
    """
    results = []
    for k in (2.0, 5.0, 10.0, 30.0, 60.0):
        for weight in (1.0, 2.0, 3.0, 5.0):
            for minimum in (0.0, 0.8, 0.82, 0.84):
                setting = {"SEARCH_SEMANTIC": True, "SEARCH_FUSION_K": k, "SEARCH_FUSION_LEXICAL_WEIGHT": 1.0,
                           "SEARCH_FUSION_SEMANTIC_WEIGHT": weight, "SEARCH_SEMANTIC_MIN_SIMILARITY": minimum}
                scores = evaluate(app, threads, ids, setting, "tune", endpoints=("similar",))
                by_lang = [score for (endpoint, _), score in scores.items()]
                key = (min(score.recall_5 for score in by_lang), sum(score.mrr for score in by_lang) / len(by_lang))
                results.append((key, setting))
    return sorted(results, key=lambda item: item[0], reverse=True)


def queries_of(threads: list[dict]):
    """(thread, query) for every paraphrase, in file order."""
    for thread in threads:
        for query in thread["queries"]:
            yield thread, query


def overlap_report(threads: list[dict]) -> str:
    """How many content words (stems, stop words dropped) each query shares with its thread."""
    from app.search.analysis import folded_tokens, index_terms

    def stems(text):
        return {stem for token in folded_tokens(text) for stem in index_terms(token.text)}

    lines, shared_total, count = [], 0, 0
    for thread, query in queries_of(threads):
        shared = stems(query) & stems(f"{thread['title']} {thread['body']}")
        shared_total += len(shared)
        count += 1
        if shared:
            lines.append(f"  {len(shared)}  {query!r} ~ {thread['title']!r}: {', '.join(sorted(shared))}")
    words = f"{shared_total / count:.2f}" if count else "0"
    return f"{count} queries share {words} stems with their thread on average\n" + "\n".join(lines)


def report(name: str, scores: dict[tuple[str, str], Score], split: str) -> str:
    rows = [f"{name:<10} {split:<5} {endpoint:<8} {lang}  n={score.queries:<3} "
            f"R@1={score.recall_1:.2f}  R@5={score.recall_5:.2f}  MRR={score.mrr:.2f}  "
            f"status inversions={score.inversions}"
            for (endpoint, lang), score in sorted(scores.items())]
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranking", choices=sorted(RANKINGS), action="append",
                        help="rankings to evaluate (default: all)")
    parser.add_argument("--split", choices=("tune", "test", "all"), action="append",
                        help="query halves to report (default: tune, test and all)")
    parser.add_argument("--misses", action="store_true", help="list the queries whose thread is not first")
    parser.add_argument("--tune", action="store_true", help="grid-search the fusion settings on the tune half")
    parser.add_argument("--overlap", action="store_true", help="print the words each query shares with its thread")
    args = parser.parse_args(argv)
    threads = load_set()
    if args.overlap:
        print(overlap_report(threads))
        return 0
    with tempfile.TemporaryDirectory(prefix="peerdesk-relevance-") as workdir:
        names = args.ranking or list(RANKINGS)
        started = time.perf_counter()
        app = make_app(Path(workdir), {"SEARCH_SEMANTIC": any(RANKINGS[n].get("SEARCH_SEMANTIC") for n in names)})
        ids = build_forum(app, threads)
        targets = sum(bool(thread["queries"]) for thread in threads)
        print(f"{len(threads)} threads ({targets} with queries), built and indexed in "
              f"{time.perf_counter() - started:.1f} s")
        if args.tune:
            for (recall, mrr), setting in tune(app, threads, ids)[:8]:
                print(f"tune: min R@5={recall:.2f} mean MRR={mrr:.3f}  {setting}")
            return 0
        for name in names:
            for split in args.split or ("tune", "test", "all"):
                scores = evaluate(app, threads, ids, RANKINGS[name], split)
                print(report(name, scores, split))
                if args.misses and split == "all":
                    for (endpoint, lang), score in sorted(scores.items()):
                        for query, title, rank, top in score.misses:
                            print(f"    miss {endpoint} {lang} rank={rank}: {query!r} -> want {title!r}, top {top!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
