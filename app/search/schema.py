"""The Whoosh schema of a thread, and how a ``ThreadDocument`` fills it.

Every text field exists once per language (see ``analysis``): the English copy
carries the plain name users may type in queries (``title:printer``) and the
German copy the same name with ``_de``; the query parser searches both.
"""

from datetime import datetime, timezone

from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import stemming_analyzer, vocabulary_analyzer
from .backend import SearchHit, ThreadDocument

TEXT_FIELDS = ("title", "question", "answers", "accepted")
GERMAN_COPY = {name: f"{name}_de" for name in TEXT_FIELDS}

# Query-time weights: the title says what a thread is about, the question and
# the accepted answer say it in detail, other answers drift more.
FIELD_BOOSTS = {"title": 3.0, "question": 1.5, "accepted": 1.5, "answers": 1.0, "tags": 2.0}
FIELD_BOOSTS |= {GERMAN_COPY[name]: FIELD_BOOSTS[name] for name in TEXT_FIELDS}
SEARCHED_FIELDS = tuple(FIELD_BOOSTS)

# A thread's standing ranks it among equally relevant ones (see ``ranking``).
OPEN, HAS_ACCEPTED, RESOLVED = 0, 1, 2

# Long threads are highlighted from their beginning only: tokenizing whole
# threads for every hit on a page would cost more than the search itself.
SNIPPET_SOURCE_CHARS = 3000
EXCERPT_CHARS = 200


def _lowercase_id():
    return IDTokenizer() | LowercaseFilter()


def _text_fields():
    fields = {}
    for name in TEXT_FIELDS:
        fields[name] = TEXT(analyzer=stemming_analyzer("en"), stored=(name == "title"))
        fields[GERMAN_COPY[name]] = TEXT(analyzer=stemming_analyzer("de"))
    return fields


SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    **_text_fields(),
    vocabulary=TEXT(analyzer=vocabulary_analyzer(), phrase=False),
    tags=KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
    category=ID(stored=True, analyzer=_lowercase_id()),
    status=ID(stored=True, analyzer=_lowercase_id()),
    author=ID(analyzer=_lowercase_id()),
    created_at=DATETIME(stored=True, sortable=True),
    last_activity_at=DATETIME(),
    score=NUMERIC(int, bits=64, stored=True, sortable=True),
    standing=NUMERIC(int, bits=8, signed=False, sortable=True),
    version=STORED(),
    snippet_source=STORED(),
    accepted_excerpt=STORED(),
)


def naive_utc(moment: datetime) -> datetime:
    """Whoosh compares naive datetimes, so the index holds UTC without a zone."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def excerpt(text: str, limit: int) -> str:
    """The start of ``text``, cut at a word boundary, with "…" if anything was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def document_fields(doc: ThreadDocument) -> dict:
    """The field values Whoosh stores for ``doc``."""
    question = f"{doc.question_text}\n{doc.extra_terms}"
    texts = {
        "title": doc.title,
        "question": question,
        "answers": doc.answers_text,
        "accepted": doc.accepted_answer_text,
    }
    fields = {}
    for name, text in texts.items():
        fields[name] = fields[GERMAN_COPY[name]] = text
    if doc.status == "resolved":
        standing = RESOLVED
    else:
        standing = HAS_ACCEPTED if doc.has_accepted else OPEN
    body = "\n".join(part for part in (doc.question_text, doc.accepted_answer_text,
                                       doc.answers_text) if part)
    return fields | {
        "id": str(doc.thread_id),
        "vocabulary": "\n".join((doc.title, question, doc.accepted_answer_text,
                                 doc.answers_text)),
        "tags": ",".join(doc.tags),
        "category": doc.category,
        "status": doc.status,
        "author": doc.author,
        "created_at": naive_utc(doc.created_at),
        "last_activity_at": naive_utc(doc.last_activity_at),
        "score": doc.score,
        "standing": standing,
        "version": doc.version,
        "snippet_source": body[:SNIPPET_SOURCE_CHARS],
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
