"""The staff dashboard: support metrics for a period, built from the timeline in three queries.

Query 1 loads the threads that matter for the period (created in it, still
waiting for staff, or reopened in it) with their category; only visible
ones: a held, hidden or deleted question is nobody's support work, and a
moderator's restore or approval brings it back into the figures (a held
question counts as asked when it was approved: its `created` timeline row
carries that time, and its clocks start there); query 2 their
metric-relevant events with each actor's role; query 3 the deflection
facts. The figures themselves come from app.domain.support_metrics.

Deflection: the ask page records app.models.DeflectionEvent rows (a visit
that opened a suggestion and never posted is deflected; see _deflection).
"""
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import case, or_, select

from app import clock
from app.domain.business_hours import BusinessHours
from app.domain.support_metrics import (
    DailyPoint,
    SupportMetrics,
    ThreadFacts,
    TimelineFact,
    compute_metrics,
    daily_trend,
    deflection_rate,
)
from app.domain.timeline_kinds import RESOLVING_KINDS, EventKind
from app.domain.trend_chart import render_trend_svg
from app.extensions import db
from app.models import STAFF_ROLES, Category, DeflectionEvent, Thread, ThreadEvent, User, Visibility
from app.services.errors import ValidationFailed

METRIC_KINDS = tuple(str(kind) for kind in
                     {EventKind.ANSWERED, EventKind.ESCALATED, EventKind.REOPENED, EventKind.CLOSED, *RESOLVING_KINDS})
#: Read for its time only: a held question's `created` row carries its approval, when its clocks start.
_PUBLISHED = str(EventKind.CREATED)
MAX_DAYS = 366
DEFAULT_DAYS = 30
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9000, 12, 31)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime          # exclusive
    category: str | None

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


@dataclass
class Report:
    period: Period
    metrics: SupportMetrics
    trend: list[DailyPoint]
    deflected: int
    asked_after_suggestions: int
    deflection_rate: float | None

    def as_json(self) -> dict:
        data = asdict(self.metrics)
        data.update({
            "from": self.period.first_day.isoformat(), "to": self.period.last_day.isoformat(),
            "category": self.period.category, "deflection_rate": self.deflection_rate,
            "deflected": self.deflected, "asked_after_suggestions": self.asked_after_suggestions,
            "daily": [{"day": p.day.isoformat(), "asked": p.asked, "resolved": p.resolved,
                       "escalated": p.escalated} for p in self.trend],
        })
        return data


def _day(raw: str | None, name: str, errors: dict) -> date | None:
    if raw in (None, ""):
        return None
    try:
        day = date.fromisoformat(raw[:10]) if len(raw) >= 10 else date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Use a date like 2026-03-01.")
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        # The period is widened by days on both sides; 0001-01-01 or 9999-12-31 would overflow.
        errors[name] = _("Use a date between %(first)s and %(last)s.", first=EARLIEST_DAY.isoformat(),
                         last=LATEST_DAY.isoformat())
        return None
    return day


def parse_period(raw_from: str | None, raw_to: str | None, category: str | None) -> Period:
    """`from` and `to` are whole UTC days, both included; default: the last 30 days."""
    errors: dict[str, str] = {}
    first, last = _day(raw_from, "from", errors), _day(raw_to, "to", errors)
    if errors:
        raise ValidationFailed(_("Invalid report parameters."), errors)
    today = clock.now().astimezone(timezone.utc).date()
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed(_("Invalid report parameters."), {"from": _("The start must not be after the end.")})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(_("Invalid report parameters."),
                               {"from": _("Report at most %(n)d days at once.", n=MAX_DAYS)})
    if category and db.session.scalar(select(Category.id).where(Category.slug == category)) is None:
        raise ValidationFailed(_("Invalid report parameters."), {"category": _("Unknown category.")})
    start = datetime.combine(first, time(), timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), timezone.utc)
    return Period(start, end, category or None)


def _facts(period: Period) -> list[ThreadFacts]:
    reopened_in_period = select(ThreadEvent.thread_id).where(
        ThreadEvent.kind == EventKind.REOPENED.value, ThreadEvent.created_at >= period.start,
        ThreadEvent.created_at < period.end)
    conditions = [Thread.visibility == Visibility.VISIBLE.value, Thread.created_at < period.end,
                  or_(Thread.created_at >= period.start, Thread.needs_staff.is_(True),
                      Thread.id.in_(reopened_in_period))]
    if period.category:
        conditions.append(Category.slug == period.category)
    threads = db.session.execute(
        select(Thread.id, Thread.author_id, Thread.created_at, Thread.sla_due_at, Category.slug,
               Category.staff_response_minutes, Category.business_hours)
        .join(Category, Category.id == Thread.category_id).where(*conditions)
    ).all()
    if not threads:
        return []
    ids = select(Thread.id).join(Category, Category.id == Thread.category_id).where(*conditions)
    events: dict[int, list[TimelineFact]] = {}
    published: dict[int, datetime] = {}
    authors = {row.id: row.author_id for row in threads}
    for event in db.session.execute(
        select(ThreadEvent.thread_id, ThreadEvent.kind, ThreadEvent.created_at, ThreadEvent.actor_id,
               ThreadEvent.detail, User.role)
        .outerjoin(User, User.id == ThreadEvent.actor_id)
        .where(ThreadEvent.thread_id.in_(ids), ThreadEvent.kind.in_((*METRIC_KINDS, _PUBLISHED)))
        .order_by(ThreadEvent.created_at, ThreadEvent.id)
    ):
        if event.kind == _PUBLISHED:
            published.setdefault(event.thread_id, event.created_at)
            continue
        detail = event.detail if isinstance(event.detail, dict) else {}
        is_staff = bool(detail["staff"]) if "staff" in detail else event.role in STAFF_ROLES
        events.setdefault(event.thread_id, []).append(TimelineFact(
            kind=event.kind, at=event.created_at, actor_is_staff=is_staff,
            actor_is_asker=event.actor_id is not None and event.actor_id == authors[event.thread_id]))
    hours_cache: dict[str, BusinessHours | None] = {}
    facts = []
    for row in threads:
        if row.slug not in hours_cache:
            hours_cache[row.slug] = BusinessHours.from_config(row.business_hours) if row.business_hours else None
        facts.append(ThreadFacts(thread_id=row.id, category=row.slug,
                                 created_at=max(row.created_at, published.get(row.id, row.created_at)),
                                 sla_due_at=row.sla_due_at, staff_response_minutes=row.staff_response_minutes,
                                 events=tuple(events.get(row.id, ())), business_hours=hours_cache[row.slug]))
    return facts


def _deflection(period: Period) -> tuple[int, int]:
    """(visits deflected, visits that asked anyway) in the period.

    From app.models.DeflectionEvent (written by the ask page through
    app.services.knowledge_base): one ask-page visit is one session_key; it
    is deflected when it opened a suggestion ("opened"/"left") and never
    posted, and asked anyway for each "posted". The category is the opened
    suggestion's, or the posted thread's. Older 'deflected' timeline events
    still count, so figures from before the table existed stay.
    """
    left = posted = 0
    conditions = [ThreadEvent.kind == EventKind.DEFLECTED.value, ThreadEvent.created_at >= period.start,
                  ThreadEvent.created_at < period.end]
    query = select(ThreadEvent.detail)
    if period.category:
        query = query.join(Thread, Thread.id == ThreadEvent.thread_id).join(Category, Category.id == Thread.category_id)
        conditions.append(Category.slug == period.category)
    for detail in db.session.scalars(query.where(*conditions)):
        outcome = detail.get("outcome") if isinstance(detail, dict) else None
        left += outcome == "left"
        posted += outcome == "posted"

    in_period = [DeflectionEvent.created_at >= period.start, DeflectionEvent.created_at < period.end]
    thread_id = case((DeflectionEvent.outcome == "posted", DeflectionEvent.created_thread_id),
                     else_=DeflectionEvent.suggested_thread_id)
    facts = select(DeflectionEvent.outcome, DeflectionEvent.session_key).where(*in_period)
    if period.category:
        facts = (facts.join(Thread, Thread.id == thread_id).join(Category, Category.id == Thread.category_id)
                 .where(Category.slug == period.category))
    posted_sessions = set()
    opened_sessions = set()
    for outcome, session_key in db.session.execute(facts):
        if outcome == "posted":
            posted += 1
            posted_sessions.add(session_key)
        else:
            opened_sessions.add(session_key)
    if opened_sessions:
        # A visit that opened a suggestion in the period but posted later (or
        # in another category) was not deflected.
        posted_sessions |= set(db.session.scalars(select(DeflectionEvent.session_key).where(
            DeflectionEvent.outcome == "posted", DeflectionEvent.session_key.in_(opened_sessions))))
    left += len(opened_sessions - posted_sessions)
    return left, posted


def build_report(period: Period) -> Report:
    now = clock.now()
    facts = _facts(period)
    left, posted = _deflection(period)
    return Report(period=period, metrics=compute_metrics(facts, period.start, period.end, now),
                  trend=daily_trend(facts, period.start, period.end), deflected=left,
                  asked_after_suggestions=posted, deflection_rate=deflection_rate(left, posted))


def trend_chart(report: Report) -> Markup:
    """The daily trend as inline SVG.

    Marked safe because render_trend_svg builds the SVG itself and escapes every
    text it is given (labels, dates); no user-written HTML goes into it.
    """
    labels = {"title": _("Daily trend"), "asked": _("Asked"), "resolved": _("Resolved"),
              "escalated": _("Escalated"), "no_data": _("No questions in this period.")}
    return Markup(render_trend_svg(report.trend, labels))
