"""Relevance ranking: BM25F, scaled by how well a thread is answered.

Among threads that match a search about equally well, one with an accepted answer,
and more so a resolved one, is what the customer is looking for. Multiplying the
score (rather than adding a bonus clause) keeps the preference proportional
whatever the query's length, and never lets a weak match outrank a strong one
by more than the factor. The factor is read per document from the ``standing``
column, so upper bounds stay valid and Whoosh's top-N block skipping still works.
"""

from whoosh.scoring import BM25F, BaseScorer, WeightingModel

from .schema import HAS_ACCEPTED, OPEN, RESOLVED

STANDING_FACTORS = {OPEN: 1.0, HAS_ACCEPTED: 1.3, RESOLVED: 1.6}
_MAX_FACTOR = max(STANDING_FACTORS.values())


class StandingWeighting(WeightingModel):
    def __init__(self):
        self._bm25f = BM25F()

    def scorer(self, searcher, fieldname, text, qf=1):
        return _StandingScorer(
            self._bm25f.scorer(searcher, fieldname, text, qf=qf),
            searcher.reader().column_reader("standing"),
        )


class _StandingScorer(BaseScorer):
    def __init__(self, inner, standings):
        self._inner = inner
        self._standings = standings

    def supports_block_quality(self):
        return self._inner.supports_block_quality()

    def score(self, matcher):
        return self._inner.score(matcher) * STANDING_FACTORS[self._standings[matcher.id()]]

    def max_quality(self):
        return self._inner.max_quality() * _MAX_FACTOR

    def block_quality(self, matcher):
        return self._inner.block_quality(matcher) * _MAX_FACTOR
