"""The read side: thread lists, thread pages and profiles in a constant number of queries."""
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import policy
from app.extensions import db
from app.models import Answer, Category, Thread, ThreadStatus, User, Visibility, Vote
from app.services import thread_reading
from app.services.errors import NotFound, ValidationFailed

STATUSES = tuple(status.value for status in ThreadStatus)
MAX_PAGE = 1_000_000
#: Lists count matching threads up to here and then say "more than": counting every row would make
#: the thread list slower with every thread the forum gains (20,000 vs 200,000 must cost the same).
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class ThreadFilter:
    category: str | None = None
    tag: str | None = None
    status: str | None = None
    sort: str = "active"
    page: int = 1
    per_page: int = 20


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    total_is_exact: bool = True

    @property
    def pages(self) -> int:
        counted = max(1, math.ceil(self.total / self.per_page))
        return counted if self.total_is_exact else max(counted, self.page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (not self.total_is_exact and len(self.items) == self.per_page)

    def page_numbers(self, window: int = 2) -> list[int | None]:
        """First, last and the pages around the current one; None marks a gap.

        Built from the edges, not by walking every page, so page 900 of 1,000 costs the same as page 1.
        """
        shown = sorted({1, self.pages, *range(max(1, self.page - window), min(self.pages, self.page + window) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


@dataclass
class ThreadView:
    thread: Thread
    answers: list[Answer]
    my_thread_vote: int = 0
    my_answer_votes: dict[int, int] = field(default_factory=dict)


def paging_problems(page, per_page, default_per_page: int) -> tuple[dict[str, int], dict[str, str]]:
    """Parse untrusted page/per_page values: the numbers, and a message per bad field.

    The upper bound keeps absurd values (a 30-digit page) out of the database
    driver, where they would overflow instead of answering 400.
    """
    numbers, errors = {}, {}
    for name, raw, default in (("page", page, 1), ("per_page", per_page, default_per_page)):
        try:
            numbers[name] = int(raw) if raw not in (None, "") else default
            if not 1 <= numbers[name] <= MAX_PAGE:
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = _("Use a whole number from 1 to %(max)d.", max=MAX_PAGE)
    return numbers, errors


def validate_filter(category=None, tag=None, status=None, sort=None, page=None, per_page=None,
                    default_per_page: int = 20, max_per_page: int = 100) -> ThreadFilter:
    """Parse untrusted list parameters; anything wrong is a 400 with the field named."""
    numbers, errors = paging_problems(page, per_page, default_per_page)
    if status and status not in STATUSES:
        errors["status"] = _("Unknown status.")
    if sort and sort not in thread_reading.LIST_ORDERS:
        errors["sort"] = _("Unknown sort order.")
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return ThreadFilter(category=category or None, tag=(tag or "").lower() or None, status=status or None,
                        sort=sort or "active", page=numbers["page"],
                        per_page=min(numbers["per_page"], max_per_page))


def list_threads(flt: ThreadFilter) -> Page:
    """One page of visible threads as read-only records (`thread_reading`), newest activity first by default."""
    count, rows = thread_reading.list_statements(flt.sort, bool(flt.category), bool(flt.status), bool(flt.tag),
                                                 COUNT_LIMIT)
    values = {"category": flt.category, "status": flt.status, "tag": flt.tag, "limit": flt.per_page,
              "offset": (flt.page - 1) * flt.per_page}
    connection = db.session.connection()
    total = connection.execute(count, values).scalar() or 0
    items = thread_reading.thread_list_records(connection.execute(rows, values).mappings())
    return Page(items=items, page=flt.page, per_page=flt.per_page, total=min(total, COUNT_LIMIT),
                total_is_exact=total <= COUNT_LIMIT)


# Built once: a statement object keeps its SQL cache key, so each request only binds values
# (building and keying these trees again was a tenth of the thread page).
_THREAD_BY_ID = (
    select(Thread).join(Thread.category).join(Thread.author).where(Thread.id == bindparam("thread_id"))
    .options(contains_eager(Thread.category), contains_eager(Thread.author), selectinload(Thread.tags))
)


# Three columns in Core, not Vote entities: the page reads each vote once, and building ORM objects
# for them was a fifth of a member's thread page outside the template. Two index lookups joined by
# UNION ALL, not one WHERE with OR: SQLite answered the OR by reading every vote the member ever cast
# (0.55 ms for 700 votes, growing with each vote), the union by probing (user, thread) and
# (user, answer) for this thread's answers (8 µs).
_VOTES, _ANSWERS = Vote.__table__, Answer.__table__
_VIEWER_VOTES = union_all(
    select(_VOTES.c.thread_id, _VOTES.c.answer_id, _VOTES.c.value)
    .where(_VOTES.c.user_id == bindparam("viewer_id"), _VOTES.c.thread_id == bindparam("thread_id")),
    select(_VOTES.c.thread_id, _VOTES.c.answer_id, _VOTES.c.value)
    .where(_VOTES.c.user_id == bindparam("viewer_id"),
           _VOTES.c.answer_id.in_(select(_ANSWERS.c.id).where(_ANSWERS.c.thread_id == bindparam("thread_id")))),
)


def load_thread(thread_id: int, viewer: User | None = None) -> ThreadView:
    """The thread as an ORM entity (the staff panel follows its relations), its answers as read-only
    records (accepted first, then by votes) and the viewer's votes."""
    thread = db.session.scalar(_THREAD_BY_ID, {"thread_id": thread_id})
    if thread is None:
        raise NotFound(_("This question does not exist or was removed."))
    policy.can_see_thread(viewer, thread).enforce()
    return _with_votes(ThreadView(thread=thread, answers=thread_reading.answer_records(thread, viewer)), viewer)


def read_thread(thread_id: int, viewer: User | None = None) -> ThreadView:
    """The same page as `load_thread` from read-only records: visitors', members' (not staff's) and the API's."""
    thread = thread_reading.thread_record(thread_id, viewer)
    return _with_votes(ThreadView(thread=thread, answers=thread_reading.answer_records(thread, viewer)), viewer)


def _with_votes(view: ThreadView, viewer: User | None) -> ThreadView:
    if viewer is not None:
        rows = db.session.connection().execute(_VIEWER_VOTES, {"viewer_id": viewer.id, "thread_id": view.thread.id})
        for thread_id, answer_id, value in rows:
            if thread_id:
                view.my_thread_vote = value
            else:
                view.my_answer_votes[answer_id] = value
    return view


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    if user is None:
        raise NotFound(_("No such user."))
    return user


@dataclass
class Profile:
    user: User
    questions: list[Thread]
    question_count: int
    answers: list[Answer]
    answer_count: int
    accepted_count: int


def profile(username: str, limit: int = 10) -> Profile:
    user = user_by_name(username)
    visible_threads = (Thread.author_id == user.id, Thread.visibility == Visibility.VISIBLE.value)
    questions = list(db.session.scalars(select(Thread).where(*visible_threads)
                                        .order_by(Thread.created_at.desc()).limit(limit)))
    visible_answers = (Answer.author_id == user.id, Answer.visibility == Visibility.VISIBLE.value)
    answers = list(db.session.scalars(select(Answer).where(*visible_answers).options(joinedload(Answer.thread))
                                      .order_by(Answer.created_at.desc()).limit(limit)))
    counts = db.session.execute(select(
        select(func.count(Thread.id)).where(*visible_threads).scalar_subquery(),
        select(func.count(Answer.id)).where(*visible_answers).scalar_subquery(),
        select(func.count(Thread.id)).join(Answer, Answer.id == Thread.accepted_answer_id)
        .where(Answer.author_id == user.id).scalar_subquery(),
    )).one()
    return Profile(user=user, questions=questions, question_count=counts[0], answers=answers,
                   answer_count=counts[1], accepted_count=counts[2])
