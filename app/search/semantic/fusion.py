"""Reciprocal rank fusion: one ranking from a word ranking and a meaning ranking.

RRF (Cormack et al., 2009) adds ``weight / (k + rank)`` over the rankings a
thread appears in. It needs no score calibration between BM25 and cosine
similarity, whose scales have nothing in common, and a thread that both
rankings place high beats one that only one of them likes. ``k`` flattens the
advantage of the very first places; the weights let meaning count more than
words (tuned on half of bench/relevance, see README).
"""


def fuse(lexical: list[int], semantic: list[int], *, k: float, lexical_weight: float = 1.0,
         semantic_weight: float = 1.0) -> list[tuple[int, float]]:
    """(thread id, fused score), best first; equal scores keep the lexical ranking's order, then the semantic one's."""
    scores: dict[int, float] = {}
    for weight, ranking in ((lexical_weight, lexical), (semantic_weight, semantic)):
        if weight <= 0:
            continue
        for rank, thread_id in enumerate(ranking, start=1):
            scores[thread_id] = scores.get(thread_id, 0.0) + weight / (k + rank)
    first_seen = {thread_id: position for position, thread_id in enumerate(dict.fromkeys(lexical + semantic))}
    return sorted(scores.items(), key=lambda item: (-item[1], first_seen[item[0]]))
