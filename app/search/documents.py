"""From threads in the database to ``ThreadDocument`` values for the index.

The one place that decides what of a thread is searchable: its title (the
curated article title when staff promoted it), the question, the *visible*
answers (the accepted one apart, so it can weigh more), tags and the words
of threads closed as its duplicates. Text comes from the stored, sanitised
HTML. Staff notes and internal timeline events live in other tables and are
never read here; hidden, pending and deleted threads (and duplicates,
whose words their canonical thread carries) get no document at all.

Documents for any number of threads cost four queries (threads, tags,
answers; the indexer adds one for its outbox rows), so a batch of 500 costs
what a batch of 5 does.
"""
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import timezone

from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, Category, Tag, Thread, User, Visibility, thread_tags
from app.search import ThreadDocument, html_to_text

REBUILD_CHUNK = 1000


def searchable() -> tuple:
    """Which threads the index holds: visible ones that are not closed as a duplicate.

    A duplicate's words were merged into its canonical thread, which is where
    a search should lead; the duplicate itself stays readable in the forum.
    """
    return (Thread.visibility == Visibility.VISIBLE.value, Thread.duplicate_of_id.is_(None))


def documents_for(thread_ids: Iterable[int]) -> dict[int, ThreadDocument]:
    """Documents of the searchable threads among ``thread_ids``; the others are absent.

    A thread missing from the result must be removed from the index: it was
    deleted, hidden, is waiting for moderation, closed as a duplicate, or
    never existed.
    """
    ids = sorted(set(thread_ids))
    if not ids:
        return {}
    threads = db.session.execute(
        select(Thread.id, Thread.title, Thread.body_html, Thread.status, Thread.created_at,
               Thread.last_activity_at, Thread.score, Thread.accepted_answer_id, Thread.extra_search_terms,
               Thread.article_title, Thread.article_summary, Category.slug.label("category"),
               User.username.label("author"))
        .join(Category, Category.id == Thread.category_id)
        .join(User, User.id == Thread.author_id)
        .where(Thread.id.in_(ids), *searchable())
    ).all()
    if not threads:
        return {}
    visible_ids = [row.id for row in threads]
    tags: dict[int, list[str]] = defaultdict(list)
    for thread_id, name in db.session.execute(
        select(thread_tags.c.thread_id, Tag.name).join(Tag, Tag.id == thread_tags.c.tag_id)
        .where(thread_tags.c.thread_id.in_(visible_ids)).order_by(thread_tags.c.thread_id, Tag.name)
    ):
        tags[thread_id].append(name)
    answers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for thread_id, answer_id, body_html in db.session.execute(
        select(Answer.thread_id, Answer.id, Answer.body_html)
        .where(Answer.thread_id.in_(visible_ids), Answer.visibility == Visibility.VISIBLE.value)
        .order_by(Answer.thread_id, Answer.created_at, Answer.id)
    ):
        answers[thread_id].append((answer_id, body_html))
    return {row.id: _document(row, tags[row.id], answers[row.id]) for row in threads}


def all_documents(chunk: int = REBUILD_CHUNK) -> Iterator[ThreadDocument]:
    """Every visible thread's document, read in chunks by id (for reindex and verify)."""
    last_id = 0
    while True:
        ids = db.session.scalars(
            select(Thread.id).where(Thread.id > last_id, *searchable())
            .order_by(Thread.id).limit(chunk)
        ).all()
        if not ids:
            return
        docs = documents_for(ids)
        for thread_id in ids:
            if thread_id in docs:  # hidden between the two queries
                yield docs[thread_id]
        last_id = ids[-1]
        db.session.expunge_all()


def count_visible() -> int:
    return db.session.scalar(select(func.count(Thread.id)).where(*searchable()))


def _document(row, tag_names: list[str], answers: list[tuple[int, str]]) -> ThreadDocument:
    accepted_text = ""
    other_texts = []
    for answer_id, body_html in answers:
        text = html_to_text(body_html)
        if answer_id == row.accepted_answer_id:
            accepted_text = text
        else:
            other_texts.append(text)
    title = row.article_title or row.title
    # The original title stays findable after staff rename the article; the
    # summary is what readers see first, so it is searched too.
    extra = [row.extra_search_terms or ""]
    if row.article_title and row.article_title != row.title:
        extra.append(row.title)
    if row.article_summary:
        extra.append(row.article_summary)
    fields = dict(
        thread_id=row.id,
        title=title,
        question_text=html_to_text(row.body_html),
        answers_text="\n".join(other_texts),
        accepted_answer_text=accepted_text,
        extra_terms="\n".join(part for part in extra if part),
        tags=tag_names,
        category=row.category,
        status=row.status,
        author=row.author,
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        score=row.score,
        has_accepted=bool(accepted_text),
    )
    return ThreadDocument(**fields, version=content_version(fields))


def content_version(fields: dict) -> str:
    """A digest of everything the index holds for a thread.

    Derived from the content rather than from timestamps, because not every
    change touches one (an answer edited or hidden, a tag renamed, terms
    merged from a duplicate): verify compares it with the index and finds any
    stale document, whatever made it stale.
    """
    digest = hashlib.blake2b(digest_size=12)
    for name in sorted(fields):
        value = fields[name]
        if isinstance(value, list):
            value = ",".join(value)
        elif hasattr(value, "astimezone"):
            value = value.astimezone(timezone.utc).isoformat()
        digest.update(f"{name}\x1f{value}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
