"""Exact nearest neighbours over every thread's vector, in memory.

Vectors are L2-normalised, so cosine similarity is one matrix-vector product:
50,000 threads × 384 floats are 77 MB and a lookup is a few milliseconds of
numpy, well inside the similar endpoint's budget, with no approximate index
to build, tune or keep in step. Readers take the current snapshot (one tuple,
replaced whole), so lookups need no lock while an update builds the next one.
"""
import threading

import numpy as np

from .encoder import DIMENSIONS


class Neighbours:
    def __init__(self, dimensions: int = DIMENSIONS):
        self._dimensions = dimensions
        self._snapshot = (np.empty(0, dtype=np.int64), np.empty((0, dimensions), dtype=np.float32))
        self._write = threading.Lock()

    def __len__(self) -> int:
        return len(self._snapshot[0])

    def replace(self, thread_ids, vectors) -> None:
        """Hold exactly these vectors (one row per thread id)."""
        ids = np.asarray(thread_ids, dtype=np.int64)
        matrix = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(len(ids), self._dimensions))
        with self._write:
            self._snapshot = (ids, matrix)

    def update(self, thread_ids, vectors, removed=()) -> None:
        """Add or replace these threads' vectors and drop ``removed`` ones."""
        changed = np.asarray(thread_ids, dtype=np.int64)
        rows = np.asarray(vectors, dtype=np.float32).reshape(len(changed), self._dimensions)
        with self._write:
            ids, matrix = self._snapshot
            drop = np.isin(ids, np.concatenate([changed, np.asarray(list(removed), dtype=np.int64)]))
            self._snapshot = (np.concatenate([ids[~drop], changed]), np.concatenate([matrix[~drop], rows]))

    def nearest(self, vector, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` most similar threads, most similar first, as (thread id, cosine similarity)."""
        ids, matrix = self._snapshot
        if not len(ids) or limit < 1:
            return []
        similarities = matrix @ np.asarray(vector, dtype=np.float32)
        if limit < len(ids):
            # The top `limit`, plus whatever ties with the last of them.
            threshold = similarities[np.argpartition(-similarities, limit - 1)[limit - 1]]
            top = np.flatnonzero(similarities >= threshold)
        else:
            top = np.arange(len(ids))
        # Equal similarity: the older thread (lower id) first, so results are stable.
        order = top[np.lexsort((ids[top], -similarities[top]))][:limit]
        return [(int(ids[i]), float(similarities[i])) for i in order]
