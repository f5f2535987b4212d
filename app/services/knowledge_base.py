"""The knowledge base: resolved threads as articles, their usefulness, curation and duplicates.

Also the deflection facts of the ask page (see app.models.knowledge). Every
write here that changes what search should find adds a search-outbox row in
its own transaction, like the forum's write services.
"""
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, selectinload

from app import clock, events, policy
from app.domain.badges import VIEW_MILESTONE
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.models import (
    Category,
    DeflectionEvent,
    HelpfulVote,
    Tag,
    Thread,
    ThreadStatus,
    User,
    Visibility,
    thread_tags,
)
from app.search import html_to_text
from app.services import search_outbox, timeline
from app.services.browsing import Page
from app.services.errors import NotFound, ValidationFailed

MAX_ARTICLE_TITLE = 150
MAX_SUMMARY = 2000
MAX_EXTRA_TERMS = 10_000
DEFLECTION_OUTCOMES = ("opened", "left")
SESSION_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_WORD = re.compile(r"\w{2,}")


def usefulness():
    """How useful an article is, as SQL: votes count most, then "was this helpful?", then views.

    Plain integer arithmetic so SQLite and PostgreSQL order alike.
    """
    return Thread.score * 3 + (Thread.helpful_yes - Thread.helpful_no) * 2 + Thread.view_count / 50


def _articles_condition():
    return (Thread.visibility == Visibility.VISIBLE.value) & (Thread.status == ThreadStatus.RESOLVED.value)


# ---------- browsing ----------

@dataclass(frozen=True)
class CategoryCount:
    slug: str
    name: str
    articles: int


def categories_with_articles() -> list[CategoryCount]:
    rows = db.session.execute(
        select(Category.slug, Category.name, func.count(Thread.id))
        .outerjoin(Thread, (Thread.category_id == Category.id) & _articles_condition())
        .group_by(Category.id, Category.slug, Category.name, Category.position)
        .order_by(Category.position, Category.name)
    ).all()
    return [CategoryCount(slug, name, count) for slug, name, count in rows]


def popular_tags(limit: int = 20) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Tag.name, func.count(thread_tags.c.thread_id).label("uses"))
        .join(thread_tags, thread_tags.c.tag_id == Tag.id)
        .join(Thread, Thread.id == thread_tags.c.thread_id)
        .where(_articles_condition())
        .group_by(Tag.id, Tag.name).order_by(func.count(thread_tags.c.thread_id).desc(), Tag.name).limit(limit)
    ).all()
    return [(name, uses) for name, uses in rows]


def list_articles(category: str | None = None, tag: str | None = None, page: int = 1,
                  per_page: int = 20) -> Page:
    """Resolved threads, curated articles first, then the most useful."""
    conditions = [_articles_condition()]
    if category:
        conditions.append(Thread.category_id == select(Category.id).where(Category.slug == category)
                          .scalar_subquery())
    if tag:
        conditions.append(Thread.id.in_(
            select(thread_tags.c.thread_id).join(Tag, Tag.id == thread_tags.c.tag_id).where(Tag.name == tag.lower())))
    total = db.session.scalar(select(func.count(Thread.id)).where(*conditions)) or 0
    rows = db.session.scalars(
        select(Thread).where(*conditions)
        .options(defer(Thread.body_source), defer(Thread.body_html), defer(Thread.extra_search_terms),
                 joinedload(Thread.category), selectinload(Thread.tags))
        .order_by(Thread.article_title.is_(None), usefulness().desc(), Thread.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def count_view(thread_id: int) -> None:
    """One more reader: a single atomic UPDATE, committed on its own.

    Every VIEW_MILESTONE-th view is announced (`thread_views_reached`), so
    what depends on views (the Knowledge Builder badge) reacts without
    anything scanning view counts.
    """
    views = db.session.scalar(update(Thread).where(Thread.id == thread_id)
                              .values(view_count=Thread.view_count + 1).returning(Thread.view_count))
    if views and views % VIEW_MILESTONE == 0:
        events.announce("thread_views_reached", thread_id=thread_id, views=views)
    db.session.commit()


# ---------- "was this helpful?" ----------

def helpful_vote_of(thread_id: int, visitor_key: str | None) -> bool | None:
    if not visitor_key:
        return None
    return db.session.scalar(select(HelpfulVote.helpful).where(
        HelpfulVote.thread_id == thread_id, HelpfulVote.visitor_key == visitor_key))


def record_helpful(thread: Thread, visitor_key: str, helpful: bool) -> bool:
    """Count one visitor's answer once; False (and nothing changes) if they answered before."""
    if thread.status != ThreadStatus.RESOLVED.value:
        raise ValidationFailed(_("Only solved questions can be rated."))
    try:
        with db.session.begin_nested():
            db.session.add(HelpfulVote(thread_id=thread.id, visitor_key=visitor_key, helpful=helpful,
                                       created_at=clock.now()))
    except IntegrityError:
        db.session.rollback()
        return False
    counter = Thread.helpful_yes if helpful else Thread.helpful_no
    db.session.execute(update(Thread).where(Thread.id == thread.id).values({counter: counter + 1}))
    db.session.commit()
    return True


# ---------- staff curation ----------

@dataclass(frozen=True)
class ArticleDraft:
    title: str
    summary: str


def promote(actor: User, thread: Thread, draft: ArticleDraft) -> Thread:
    """Make a resolved thread a curated article: a clearer title and a summary shown above it.

    An empty title and summary turn it back into a plain resolved thread.
    """
    policy.can_curate(actor).enforce()
    if thread.status != ThreadStatus.RESOLVED.value:
        raise ValidationFailed(_("Only solved questions can become articles."))
    title = " ".join((draft.title or "").split())
    summary = (draft.summary or "").strip()
    errors = {}
    if len(title) > MAX_ARTICLE_TITLE:
        errors["title"] = _("Keep the title under %(max)d characters.", max=MAX_ARTICLE_TITLE)
    elif title and len(title) < 8:
        errors["title"] = _("Write a title of at least 8 characters.")
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = _("Keep the summary under %(max)d characters.", max=MAX_SUMMARY)
    if summary and not title:
        errors["title"] = _("An article with a summary needs a title.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    thread.article_title = title or None
    thread.article_summary = summary or None
    timeline.record(thread.id, EventKind.EDITED, actor.id,
                    detail={"article": "promoted" if title else "demoted"})
    search_outbox.enqueue(thread.id)
    events.announce("edited", thread_id=thread.id, actor_id=actor.id, article="promoted" if title else "demoted")
    db.session.commit()
    return thread


def close_as_duplicate(actor: User, duplicate: Thread, canonical_id) -> Thread:
    """Close ``duplicate`` pointing at the canonical thread, which inherits its words.

    The duplicate's title, tags and question text are added to the canonical
    thread's ``extra_search_terms``, so the next customer who describes the
    problem the same way finds the canonical answer. A canonical thread that
    is itself a duplicate is followed to the thread it points at.
    """
    policy.can_close_duplicate(actor).enforce()
    canonical = db.session.get(Thread, canonical_id) if isinstance(canonical_id, int) else None
    seen = {duplicate.id}
    while canonical is not None and canonical.duplicate_of_id and canonical.id not in seen:
        seen.add(canonical.id)
        canonical = db.session.get(Thread, canonical.duplicate_of_id)
    if canonical is None or canonical.visibility != Visibility.VISIBLE.value:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"canonical": _("No such question.")})
    if canonical.id in seen:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"canonical": _("A question cannot be a duplicate of itself.")})
    if duplicate.duplicate_of_id:
        raise ValidationFailed(_("This question is already closed as a duplicate."))
    now = clock.now()
    canonical.extra_search_terms = merged_terms(
        canonical.extra_search_terms or "",
        " ".join([duplicate.title, *(tag.name for tag in duplicate.tags), html_to_text(duplicate.body_html),
                  duplicate.extra_search_terms or ""]))
    duplicate.duplicate_of_id = canonical.id
    duplicate.status = ThreadStatus.CLOSED.value
    duplicate.needs_staff = False
    duplicate.last_activity_at = now
    timeline.record(duplicate.id, EventKind.CLOSED, actor.id, at=now,
                    detail={"reason": "duplicate", "duplicate_of": canonical.id})
    search_outbox.enqueue(duplicate.id)
    search_outbox.enqueue(canonical.id)
    events.announce("closed", thread_id=duplicate.id, actor_id=actor.id, reason="duplicate",
                    duplicate_of=canonical.id)
    db.session.commit()
    return duplicate


def merged_terms(existing: str, new_text: str, limit: int = MAX_EXTRA_TERMS) -> str:
    """``existing`` plus the words of ``new_text`` it lacks (case-insensitively), within ``limit``."""
    known = {word.lower() for word in _WORD.findall(existing)}
    added = []
    for word in _WORD.findall(new_text):
        if word.lower() not in known:
            known.add(word.lower())
            added.append(word)
    merged = " ".join(part for part in (existing.strip(), " ".join(added)) if part)
    return merged[:limit].rsplit(" ", 1)[0] if len(merged) > limit else merged


def canonical_of(thread: Thread) -> Thread | None:
    if not thread.duplicate_of_id:
        return None
    return db.session.get(Thread, thread.duplicate_of_id)


# ---------- deflection while asking ----------

def record_deflection(user: User | None, outcome: str, session_key, suggested_thread_id=None) -> DeflectionEvent:
    """The customer opened a suggestion (or left the ask page after opening one)."""
    errors = {}
    if outcome not in DEFLECTION_OUTCOMES:
        errors["outcome"] = _("Use one of: %(choices)s.", choices=", ".join(DEFLECTION_OUTCOMES))
    if not isinstance(session_key, str) or not SESSION_KEY.match(session_key):
        errors["session_key"] = _("Send the random key of this ask page (8–64 letters, digits, - or _).")
    if suggested_thread_id is not None and (not isinstance(suggested_thread_id, int)
                                            or isinstance(suggested_thread_id, bool)):
        errors["suggested_thread_id"] = _("Must be a thread id.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    if suggested_thread_id is not None:
        visible = db.session.scalar(select(Thread.id).where(
            Thread.id == suggested_thread_id, Thread.visibility == Visibility.VISIBLE.value))
        if visible is None:
            raise NotFound(_("This question does not exist or was removed."))
    event = DeflectionEvent(session_key=session_key, outcome=outcome, user_id=user.id if user else None,
                            suggested_thread_id=suggested_thread_id, created_at=clock.now())
    db.session.add(event)
    db.session.commit()
    return event


def record_posted_after_suggestions(raw_session_key: str | None, thread: Thread, user: User | None) -> None:
    """Called by the ask view after a successful post whose form says suggestions were shown.

    ``raw_session_key`` is the form's ``suggestions_shown`` field, set by
    kb.js only when it showed suggestions: empty means none were shown.
    """
    if not raw_session_key:
        return
    session_key = raw_session_key if SESSION_KEY.match(raw_session_key) else None
    db.session.add(DeflectionEvent(session_key=session_key, outcome="posted", user_id=user.id if user else None,
                                   created_thread_id=thread.id, created_at=clock.now()))
    db.session.commit()
