"""What counts how much in relevance: the knobs of BM25F, in one place.

Both kinds of weight are applied when a thread is indexed, as Whoosh term
weights (changing them needs a reindex): a word counts more where it stands
in the title than in an answer, and every word of a thread that has an
accepted answer, more so a resolved one, counts more than in an open thread.
BM25 saturates term weights, so a boosted thread wins among about equally good
matches but cannot overtake a much better one. Baking the boosts into the
postings, rather than multiplying scores at query time, costs nothing per
matched document and keeps Whoosh's score bounds valid.
"""

# How much a word counts, by where in the thread it stands: the title says what
# a thread is about, tags are chosen words, the question and the accepted answer
# say it in detail, other answers drift more.
SECTION_WEIGHTS = {
    "title": 3.0,
    "tags": 2.0,
    "question": 1.5,
    "accepted": 1.5,
    "answers": 1.0,
}

OPEN, HAS_ACCEPTED, RESOLVED = 0, 1, 2
STANDING_BOOSTS = {OPEN: 1.0, HAS_ACCEPTED: 1.3, RESOLVED: 1.6}


def standing(status: str, has_accepted: bool) -> int:
    """How well a thread is answered: resolved, has an accepted answer, or open."""
    if status == "resolved":
        return RESOLVED
    return HAS_ACCEPTED if has_accepted else OPEN
