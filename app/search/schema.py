"""The Whoosh schema of a thread, and how a ``ThreadDocument`` fills it.

Searches run against one field, ``text``, which holds the whole thread with each
word weighted by the part it comes from: that is BM25F as its authors defined it
(weighted term frequencies, saturated once), and one term lookup per word
instead of one per part. ``title`` and ``question`` are also kept on their own,
for ``title:`` queries and for finding questions similar to one being typed.
"""

from datetime import datetime, timezone

from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import PositionBoosts

from .analysis import WeightedText, bilingual_analyzer, vocabulary_analyzer
from .backend import SearchHit, ThreadDocument
from .ranking import SECTION_WEIGHTS, STANDING_BOOSTS, standing
from .text import EXCERPT_CHARS, excerpt, highlight_source



def _bilingual_text(stored=False, weighted=False):
    field = TEXT(analyzer=bilingual_analyzer(), stored=stored, multitoken_query="or")
    if weighted:
        field.format = PositionBoosts()
    return field


def _lowercase_id(stored):
    return ID(stored=stored, analyzer=IDTokenizer() | LowercaseFilter())


SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    text=_bilingual_text(weighted=True),
    title=_bilingual_text(stored=True),
    question=_bilingual_text(),
    vocabulary=TEXT(analyzer=vocabulary_analyzer(), phrase=False),
    tags=KEYWORD(stored=True, lowercase=True, commas=True),
    category=_lowercase_id(stored=True),
    status=_lowercase_id(stored=True),
    author=_lowercase_id(stored=False),
    created_at=DATETIME(stored=True, sortable=True),
    last_activity_at=DATETIME(),
    score=NUMERIC(int, bits=64, stored=True, sortable=True),
    standing=STORED(),
    version=STORED(),
    # Renamed from ``snippet_source`` (which held 2,000 characters) when its
    # content changed: an index with the old field names is not opened but
    # replaced (see ``generations``), so `flask search reindex` rebuilds it.
    highlight_source=STORED(),
    accepted_excerpt=STORED(),
)


def naive_utc(moment: datetime) -> datetime:
    """Whoosh compares naive datetimes, so the index holds UTC without a zone."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def document_fields(doc: ThreadDocument) -> dict:
    """The field values Whoosh stores for ``doc``."""
    question = f"{doc.question_text}\n{doc.extra_terms}"
    sections = {
        "title": doc.title,
        "tags": " ".join(doc.tags),
        "question": question,
        "accepted": doc.accepted_answer_text,
        "answers": doc.answers_text,
    }
    thread_standing = standing(doc.status, doc.has_accepted)
    return {
        "_boost": STANDING_BOOSTS[thread_standing],
        "id": str(doc.thread_id),
        "text": WeightedText((text, SECTION_WEIGHTS[name]) for name, text in sections.items()),
        "title": doc.title,
        "question": question,
        "vocabulary": "\n".join((doc.title, question, doc.accepted_answer_text)),
        "tags": ",".join(doc.tags),
        "category": doc.category,
        "status": doc.status,
        "author": doc.author,
        "created_at": naive_utc(doc.created_at),
        "last_activity_at": naive_utc(doc.last_activity_at),
        "score": doc.score,
        "standing": thread_standing,
        "version": doc.version,
        "highlight_source": highlight_source(doc),
        "accepted_excerpt": excerpt(doc.accepted_answer_text, EXCERPT_CHARS),
    }


def stored_hit(stored: dict, snippet_html: str) -> SearchHit:
    """A ``SearchHit`` from the stored fields of one indexed thread."""
    return SearchHit(
        thread_id=int(stored["id"]),
        title=stored["title"],
        snippet_html=snippet_html,
        status=stored["status"],
        score=stored["score"],
        category=stored["category"],
        tags=[tag for tag in stored["tags"].split(",") if tag],
        created_at=stored["created_at"].replace(tzinfo=timezone.utc),
        accepted_answer_excerpt=stored["accepted_excerpt"],
    )
