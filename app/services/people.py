"""The read side of reputation and badges: profiles, the badge catalogue, leaderboards, the ledger.

Every function here costs a fixed number of queries whatever the number of
rows it shows (a profile with 500 badges reads them in one query).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from app import clock
from app.domain import reputation
from app.domain.reputation_chart import render_reputation_svg
from app.domain.badges import BADGES, BY_SLUG, TIER_ORDER, Badge
from app.extensions import db
from app.models import STAFF_ROLES, BadgeAward, Category, ReputationEvent, Thread, User
from app.services.browsing import Page, paging_problems
from app.services.errors import ValidationFailed

PERIODS = ("week", "month", "all")
RECENT_EARNERS = 5
HISTORY_DAYS = 90


@dataclass(frozen=True)
class Award:
    badge: Badge
    awarded_at: datetime
    thread_id: int | None
    answer_id: int | None
    thread_title: str | None


@dataclass
class HeldBadge:
    """One badge on a profile: every time it was earned, newest first."""

    badge: Badge
    awards: list[Award] = field(default_factory=list)


def _awards_query():
    return (select(BadgeAward, Thread.title).outerjoin(Thread, Thread.id == BadgeAward.thread_id)
            .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc()))


def awards_of(user_id: int) -> list[Award]:
    rows = db.session.execute(_awards_query().where(BadgeAward.user_id == user_id))
    return [Award(BY_SLUG[award.badge], award.awarded_at, award.thread_id, award.answer_id, title)
            for award, title in rows if award.badge in BY_SLUG]


def held_badges(awards: list[Award]) -> list[HeldBadge]:
    """Group awards by badge, gold first, then by name."""
    grouped: dict[str, HeldBadge] = {}
    for award in awards:
        grouped.setdefault(award.badge.slug, HeldBadge(award.badge)).awards.append(award)
    return sorted(grouped.values(), key=lambda held: (TIER_ORDER.index(held.badge.tier), str(held.badge.name)))


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    reputation: int


def reputation_history(user: User, days: int = HISTORY_DAYS) -> list[HistoryPoint]:
    """The figure at the end of each day with a change, over the last `days` (one grouped query).

    Built backwards from the stored figure, so the line ends where the profile's number is.
    """
    since = clock.now() - timedelta(days=days)
    day_column = func.date(ReputationEvent.created_at)
    rows = db.session.execute(
        select(day_column, func.sum(ReputationEvent.delta)).where(
            ReputationEvent.user_id == user.id, ReputationEvent.created_at >= since)
        .group_by(day_column).order_by(day_column)).all()
    changes = [(_as_date(day), int(total or 0)) for day, total in rows]
    figure = user.reputation - sum(total for _day, total in changes)
    points = [HistoryPoint(since.date(), figure)]
    for day, total in changes:
        figure += total
        points.append(HistoryPoint(day, figure))
    if points[-1].day != clock.now().date():
        points.append(HistoryPoint(clock.now().date(), figure))
    return points


def reputation_chart(history: list[HistoryPoint]) -> Markup:
    """Marked safe because render_reputation_svg builds the SVG itself and escapes every text it is given."""
    labels = {"title": _("Reputation over the last %(days)d days", days=HISTORY_DAYS), "point": _("Reputation")}
    return Markup(render_reputation_svg(history, labels))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class LedgerEntry:
    delta: int
    reason: str
    created_at: datetime
    thread_id: int | None
    answer_id: int | None
    thread_title: str | None
    reversal: bool
    cause: str | None


def ledger_page(user: User, page: int = 1, per_page: int = 20, *, counted: bool = True) -> Page:
    """A page of the user's ledger, newest first; `counted=False` skips the total (a short recent list)."""
    total = db.session.scalar(select(func.count(ReputationEvent.id)).where(
        ReputationEvent.user_id == user.id)) or 0 if counted else 0
    rows = db.session.execute(
        select(ReputationEvent, Thread.title).outerjoin(Thread, Thread.id == ReputationEvent.thread_id)
        .where(ReputationEvent.user_id == user.id)
        .order_by(ReputationEvent.id.desc()).limit(per_page).offset((page - 1) * per_page))
    items = [LedgerEntry(row.delta, row.reason, row.created_at, row.thread_id, row.answer_id, title,
                         row.reversal_of_id is not None, row.cause) for row, title in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


@dataclass
class Profile:
    user: User
    held: list[HeldBadge]
    award_count: int
    community_saves: int
    history: list[HistoryPoint]
    recent: list[LedgerEntry]

    @property
    def chart(self) -> Markup:
        return reputation_chart(self.history)


def community_saves(user_id: int) -> int:
    """Community saves held now: save rows that were not reversed (an un-accept takes one back)."""
    return db.session.scalar(select(func.count(ReputationEvent.id)).where(
        ReputationEvent.user_id == user_id, ReputationEvent.reason == str(reputation.Reason.COMMUNITY_SAVE),
        ReputationEvent.reversal_of_id.is_(None), ReputationEvent.reversed_at.is_(None))) or 0


def recent_ledger(user: User, limit: int = 10) -> list[LedgerEntry]:
    return ledger_page(user, 1, limit, counted=False).items


def profile(user: User) -> Profile:
    awards = awards_of(user.id)
    return Profile(user=user, held=held_badges(awards), award_count=len(awards),
                   community_saves=community_saves(user.id), history=reputation_history(user),
                   recent=recent_ledger(user))


# ---------- the badge catalogue ----------

@dataclass
class CatalogueEntry:
    badge: Badge
    holders: int = 0
    recent: list[tuple[User, datetime]] = field(default_factory=list)


def catalogue() -> list[CatalogueEntry]:
    """Every badge, how many hold it and who earned it last (two queries)."""
    counts = holder_counts()
    entries = {badge.slug: CatalogueEntry(badge, counts.get(badge.slug, 0)) for badge in BADGES}
    rank = func.row_number().over(partition_by=BadgeAward.badge,
                                  order_by=(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())).label("rank")
    ranked = select(BadgeAward.id, rank).subquery()
    earner = aliased(User)
    for award, user in db.session.execute(
            select(BadgeAward, earner).join(ranked, ranked.c.id == BadgeAward.id)
            .join(earner, earner.id == BadgeAward.user_id)
            .where(ranked.c.rank <= RECENT_EARNERS).order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())):
        if award.badge in entries:
            entries[award.badge].recent.append((user, award.awarded_at))
    return list(entries.values())


def holder_counts() -> dict[str, int]:
    return {slug: holders for slug, holders in db.session.execute(
        select(BadgeAward.badge, func.count(func.distinct(BadgeAward.user_id))).group_by(BadgeAward.badge))}


# ---------- leaderboards ----------

@dataclass(frozen=True)
class Leader:
    rank: int
    user: User
    points: int


@dataclass(frozen=True)
class LeaderboardQuery:
    period: str = "week"
    category: str | None = None
    page: int = 1
    per_page: int = 20


def paging(page, per_page=None, default_per_page: int = 50, max_per_page: int = 100) -> tuple[int, int]:
    """Untrusted page/per_page as numbers, or a 400 naming the bad field."""
    numbers, errors = paging_problems(page, per_page, default_per_page)
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return numbers["page"], min(numbers["per_page"], max_per_page)


def validate_leaderboard(period=None, category=None, page=None, per_page=None, max_per_page: int = 100):
    numbers, errors = paging_problems(page, per_page, 20)
    if period and period not in PERIODS:
        errors["period"] = _("Use week, month or all.")
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return LeaderboardQuery(period=period or "week", category=category or None, page=numbers["page"],
                            per_page=min(numbers["per_page"], max_per_page))


def period_start(period: str) -> datetime | None:
    now = clock.now()
    return {"week": now - timedelta(days=7), "month": now - timedelta(days=30)}.get(period)


def leaderboard(query: LeaderboardQuery) -> Page:
    """Reputation earned in the period (and category), members only, most first.

    Counted from the ledger, so reversals count against the period they
    happen in; staff never appear (they earn nothing).
    """
    points = func.sum(ReputationEvent.delta).label("points")
    conditions = []
    since = period_start(query.period)
    if since is not None:
        conditions.append(ReputationEvent.created_at >= since)
    grouped = select(ReputationEvent.user_id, points)
    if query.category:
        grouped = grouped.join(Thread, Thread.id == ReputationEvent.thread_id).join(
            Category, and_(Category.id == Thread.category_id, Category.slug == query.category))
    grouped = grouped.where(*conditions).group_by(ReputationEvent.user_id).having(points > 0).subquery()
    base = select(User, grouped.c.points).join(grouped, grouped.c.user_id == User.id).where(
        User.role.not_in(STAFF_ROLES), User.banned_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(base.order_by(grouped.c.points.desc(), User.id)
                              .limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    first_rank = (query.page - 1) * query.per_page + 1
    leaders = [Leader(first_rank + index, user, int(total_points)) for index, (user, total_points) in enumerate(rows)]
    return Page(items=leaders, page=query.page, per_page=query.per_page, total=total)


def tier_counts(user: User) -> dict[str, int]:
    return {"gold": user.gold_badges, "silver": user.silver_badges, "bronze": user.bronze_badges}
