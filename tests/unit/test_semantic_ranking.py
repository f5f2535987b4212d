"""Reciprocal rank fusion and the in-memory nearest-neighbour index (no model, no database)."""
import numpy as np
import pytest

from app.search.semantic.encoder import THREAD_TEXT_CHARS, cut, text_digest, thread_text
from app.search.semantic.fusion import fuse
from app.search.semantic.neighbours import Neighbours

pytestmark = pytest.mark.unit


def unit(*values):
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_fusion_prefers_what_both_rankings_place_high():
    fused = [thread_id for thread_id, _ in fuse([1, 2, 3], [3, 4, 1], k=2)]

    assert fused[:2] in ([1, 3], [3, 1])
    assert set(fused) == {1, 2, 3, 4}


def test_fusion_weights_and_ties():
    assert [t for t, _ in fuse([1], [2], k=2, lexical_weight=1, semantic_weight=5)] == [2, 1]
    assert [t for t, _ in fuse([1], [2], k=2)] == [1, 2]  # a tie keeps the lexical order
    assert [t for t, _ in fuse([1, 2], [], k=2, lexical_weight=0)] == []


def test_neighbours_rank_by_cosine_and_follow_updates():
    index = Neighbours(dimensions=2)
    index.replace([10, 11, 12], [unit(1, 0), unit(0, 1), unit(1, 1)])

    assert [t for t, _ in index.nearest(unit(1, 0.1), 2)] == [10, 12]
    assert [t for t, _ in index.nearest(unit(1, 0.1), 10)] == [10, 12, 11]

    index.update([11, 13], [unit(1, 0.05), unit(-1, 0)], removed=[10])
    assert [t for t, _ in index.nearest(unit(1, 0), 3)] == [11, 12, 13]
    assert len(index) == 3 and index.nearest(unit(1, 0), 0) == []


def test_equal_similarity_keeps_the_older_thread_first():
    index = Neighbours(dimensions=2)
    index.replace([7, 3, 5], [unit(1, 0)] * 3)

    assert [t for t, _ in index.nearest(unit(1, 0), 2)] == [3, 5]


def test_thread_text_is_bounded_and_its_digest_follows_it():
    long_text = thread_text("Title", "word " * 1000)

    assert len(long_text) <= THREAD_TEXT_CHARS and long_text.startswith("Title word")
    assert cut("a\x00b  c", 10) == "a b c"
    assert text_digest("a") == text_digest("a") != text_digest("b")
