"""The read path of thread pages and thread lists in SQLAlchemy Core: plain rows instead of ORM entities.

A cold thread page (a visitor from a search engine, the page cache not yet
holding it) spent about a third of its time building ORM objects for one
thread, its tags and five answers: identity map, instance state, eager
loaders. The page only reads columns, so this module selects exactly the
columns it shows and hands out small read-only records with the same
attribute names as the models (`thread.category.slug`, `answer.author.username`,
`answer.is_staff`), so templates, serializers and `app.policy` read them as
they read the models. Writes never see these records. A list page that
missed the page cache (any page after the first, and the first after every
new post) built twenty threads with their categories, authors and tags the
same way: 9.4-11 ms of CPU, 6.5-7 ms as records.
"""
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, select, true

from app import policy
from app.extensions import db
from app.models import Answer, Category, Tag, Thread, ThreadStatus, User, Visibility, thread_tags
from app.models.user import STAFF_ROLES, Role
from app.services.errors import NotFound

_THREADS, _ANSWERS, _USERS = Thread.__table__, Answer.__table__, User.__table__
_CATEGORIES, _TAGS = Category.__table__, Tag.__table__
#: What a name beside a post needs: the link, the role badge or the reputation and badge counts.
_AUTHOR_COLUMNS = ("id", "username", "role", "reputation", "gold_badges", "silver_badges", "bronze_badges",
                   "deleted_at")
_THREAD_COLUMNS = ("id", "title", "body_html", "category_id", "author_id", "status", "visibility", "created_at",
                   "edited_at", "last_activity_at", "sla_due_at", "accepted_answer_id", "score", "answer_count",
                   "duplicate_of_id", "hidden_reason", "is_locked", "is_pinned", "needs_staff", "resolution_check_at")
_ANSWER_COLUMNS = ("id", "thread_id", "author_id", "body_html", "is_staff", "visibility", "score", "created_at",
                   "edited_at", "hidden_reason")


class Record:
    """Attributes from a row; `__dict__` access is the cheapest attribute read Python has."""

    def __init__(self, values):
        self.__dict__.update(values)


class ThreadRecord(Record):
    @property
    def is_resolved(self) -> bool:
        return self.status == ThreadStatus.RESOLVED.value


class AuthorRecord(Record):
    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_moderator(self) -> bool:
        return self.role in _MODERATOR_ROLES


_MODERATOR_ROLES = frozenset((Role.MODERATOR.value, Role.ADMIN.value))


def _labelled(table, names, prefix):
    return [table.c[name].label(f"{prefix}{name}") for name in names]


def _split(row, prefix: str, names) -> dict:
    return {name: row[f"{prefix}{name}"] for name in names}


def _tag_names():
    """The thread's tag names as one column, space-separated (a tag name holds no space: posting.TAG_PATTERN).

    A correlated subquery in the thread's own statement rather than a statement of its own: one
    round trip less for every cold thread page, API thread and list page (on PostgreSQL a round
    trip is a tenth of the API thread's time).
    """
    return (select(func.aggregate_strings(_TAGS.c.name, " "))
            .select_from(thread_tags.join(_TAGS, _TAGS.c.id == thread_tags.c.tag_id))
            .where(thread_tags.c.thread_id == _THREADS.c.id)
            .scalar_subquery().label("tag_names"))


def _tags(names: str | None) -> list[Record]:
    """Tag records in name order: code points, the same on every database (their collations differ)."""
    return [Record({"name": name}) for name in sorted(names.split(" "))] if names else []


# Built once: each request only binds values to statements whose SQL is already compiled and cached.
_THREAD_BY_ID = (
    select(*_labelled(_THREADS, _THREAD_COLUMNS, "t_"), _CATEGORIES.c.slug.label("c_slug"),
           _CATEGORIES.c.name.label("c_name"), *_labelled(_USERS, _AUTHOR_COLUMNS, "u_"), _tag_names())
    .join(_CATEGORIES, _CATEGORIES.c.id == _THREADS.c.category_id)
    .join(_USERS, _USERS.c.id == _THREADS.c.author_id)
    .where(_THREADS.c.id == bindparam("thread_id"))
)


def _answers_where(condition):
    return (select(*_labelled(_ANSWERS, _ANSWER_COLUMNS, "a_"), *_labelled(_USERS, _AUTHOR_COLUMNS, "u_"))
            .join(_USERS, _USERS.c.id == _ANSWERS.c.author_id)
            .where(_ANSWERS.c.thread_id == bindparam("thread_id"), condition)
            .order_by(case((_ANSWERS.c.id == bindparam("accepted_answer_id"), 0), else_=1),
                      _ANSWERS.c.score.desc(), _ANSWERS.c.created_at, _ANSWERS.c.id))


_VISIBLE = _ANSWERS.c.visibility == Visibility.VISIBLE.value
_ALL_ANSWERS = _answers_where(true())
_VISIBLE_ANSWERS = _answers_where(_VISIBLE)
_VISIBLE_AND_OWN_ANSWERS = _answers_where(_VISIBLE | (
    (_ANSWERS.c.author_id == bindparam("viewer_id"))
    & _ANSWERS.c.visibility.in_((Visibility.PENDING.value, Visibility.HIDDEN.value))))


def thread_record(thread_id: int, viewer=None) -> Record:
    """The thread with its category, author and tags, or NotFound when the viewer may not see it."""
    row = db.session.connection().execute(_THREAD_BY_ID, {"thread_id": thread_id}).mappings().first()
    if row is None:
        raise NotFound(_("This question does not exist or was removed."))
    thread = ThreadRecord(_split(row, "t_", _THREAD_COLUMNS))
    policy.can_see_thread(viewer, thread).enforce()
    thread.category = Record({"id": thread.category_id, "slug": row["c_slug"], "name": row["c_name"]})
    thread.author = AuthorRecord(_split(row, "u_", _AUTHOR_COLUMNS))
    thread.tags = _tags(row["tag_names"])
    return thread


def answer_records(thread, viewer=None) -> list[Record]:
    """The answers the viewer may see: accepted first, then by votes (as `browsing.load_thread`)."""
    if policy.sees_moderated_posts(viewer):
        statement, parameters = _ALL_ANSWERS, {}
    elif viewer is None or not viewer.is_authenticated:
        statement, parameters = _VISIBLE_ANSWERS, {}
    else:
        statement, parameters = _VISIBLE_AND_OWN_ANSWERS, {"viewer_id": viewer.id}
    rows = db.session.connection().execute(statement, {**parameters, "thread_id": thread.id,
                                                       "accepted_answer_id": thread.accepted_answer_id}).mappings()
    answers = []
    for row in rows:
        answer = Record(_split(row, "a_", _ANSWER_COLUMNS))
        answer.author = AuthorRecord(_split(row, "u_", _AUTHOR_COLUMNS))
        answers.append(answer)
    return answers


#: A thread list's orders by name; each ends on the id, so pages never share or skip a thread.
LIST_ORDERS = {
    "newest": (_THREADS.c.created_at.desc(), _THREADS.c.id.desc()),
    "active": (_THREADS.c.last_activity_at.desc(), _THREADS.c.id.desc()),
    "votes": (_THREADS.c.score.desc(), _THREADS.c.id.desc()),
}
#: A list row shows no bodies: the thread page's columns without them.
_LIST_COLUMNS = tuple(name for name in _THREAD_COLUMNS if name != "body_html")


@lru_cache(maxsize=None)
def list_statements(sort: str, by_category: bool, by_status: bool, by_tag: bool, count_limit: int):
    """The count and the page of a thread list, one pair per sort and combination of filters.

    Built once, with the filter values, the page size and the offset as bound parameters: building
    and keying these trees again on every list page was 0.8 ms, more than the queries themselves.
    The page's ids come from the sort index alone; only those rows are then read and joined
    (skipping rows of the full join cost a table lookup per skipped thread: 200 ms at page 500).
    """
    order = LIST_ORDERS[sort]
    conditions = [_THREADS.c.visibility == Visibility.VISIBLE.value]
    if by_category:
        conditions.append(_THREADS.c.category_id == select(_CATEGORIES.c.id)
                          .where(_CATEGORIES.c.slug == bindparam("category")).scalar_subquery())
    if by_status:
        conditions.append(_THREADS.c.status == bindparam("status"))
    if by_tag:
        conditions.append(_THREADS.c.id.in_(
            select(thread_tags.c.thread_id).join(_TAGS, _TAGS.c.id == thread_tags.c.tag_id)
            .where(_TAGS.c.name == bindparam("tag"))))
    counted = select(_THREADS.c.id).where(*conditions).limit(count_limit + 1).subquery()
    page_ids = (select(_THREADS.c.id).where(*conditions).order_by(*order)
                .limit(bindparam("limit")).offset(bindparam("offset")))
    rows = (select(*_labelled(_THREADS, _LIST_COLUMNS, "t_"), _CATEGORIES.c.slug.label("c_slug"),
                   _CATEGORIES.c.name.label("c_name"), *_labelled(_USERS, _AUTHOR_COLUMNS, "u_"), _tag_names())
            .join(_CATEGORIES, _CATEGORIES.c.id == _THREADS.c.category_id)
            .join(_USERS, _USERS.c.id == _THREADS.c.author_id)
            .where(_THREADS.c.id.in_(page_ids.scalar_subquery()))
            .order_by(*order))
    return select(func.count()).select_from(counted), rows


def thread_list_records(rows) -> list[ThreadRecord]:
    """List rows (from `list_statements`) as records with their category, author and tags."""
    threads = []
    for row in rows:
        thread = ThreadRecord(_split(row, "t_", _LIST_COLUMNS))
        thread.category = Record({"id": thread.category_id, "slug": row["c_slug"], "name": row["c_name"]})
        thread.author = AuthorRecord(_split(row, "u_", _AUTHOR_COLUMNS))
        thread.tags = _tags(row["tag_names"])
        threads.append(thread)
    return threads
