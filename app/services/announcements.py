"""Service announcements: banners that tell customers about an outage before they ask."""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app import clock, events, policy
from app.extensions import db
from app.markup import render_markdown
from app.models import Announcement, Category, User, announcement_categories
from app.services.errors import NotFound, ValidationFailed

SEVERITIES = ("info", "warning", "outage")
#: Announced when an announcement is saved or deleted: banner caches in every process drop their copy.
CHANGED = "announcement_changed"


@dataclass(frozen=True)
class ActiveAnnouncement:
    id: int
    title: str
    body_html: str
    severity: str
    category_slugs: frozenset[str] = field(default_factory=frozenset)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def live_at(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or self.ends_at > now)

    def shown_for(self, category_slug: str | None) -> bool:
        """Unrestricted banners show everywhere; restricted ones on their categories' pages."""
        return not self.category_slugs or category_slug in self.category_slugs


@dataclass(frozen=True)
class AnnouncementDraft:
    title: str
    body: str
    severity: str
    starts_at: datetime | None
    ends_at: datetime | None
    category_slugs: tuple[str, ...] = ()


def active(now: datetime | None = None) -> list[ActiveAnnouncement]:
    """Announcements live now, with their category slugs: one query (an outer join)."""
    now = now or clock.now()
    return live(not_ended(now), now)


def not_ended(now: datetime) -> list[ActiveAnnouncement]:
    """Announcements live at `now` or starting later, in banner order: what a banner cache may keep.

    One query (an outer join). `live` picks those shown at a given moment,
    so a kept list stays right as announcements start and end.
    """
    rows = db.session.execute(
        select(Announcement.id, Announcement.title, Announcement.body_html, Announcement.severity,
               Announcement.starts_at, Announcement.ends_at, Category.slug)
        .outerjoin(announcement_categories, announcement_categories.c.announcement_id == Announcement.id)
        .outerjoin(Category, Category.id == announcement_categories.c.category_id)
        .where(or_(Announcement.ends_at.is_(None), Announcement.ends_at > now))
        .order_by(Announcement.starts_at.desc(), Announcement.id.desc())
    ).all()
    found: dict[int, tuple] = {}
    slugs: dict[int, set] = {}
    for row in rows:
        found.setdefault(row.id, row)
        if row.slug:
            slugs.setdefault(row.id, set()).add(row.slug)
    order = {"outage": 0, "warning": 1, "info": 2}
    items = [ActiveAnnouncement(row.id, row.title, row.body_html, row.severity, frozenset(slugs.get(row.id, ())),
                                row.starts_at, row.ends_at)
             for row in found.values()]
    return sorted(items, key=lambda item: order.get(item.severity, 3))


def live(items: list[ActiveAnnouncement], now: datetime) -> list[ActiveAnnouncement]:
    return [item for item in items if item.live_at(now)]


def all_announcements() -> list[Announcement]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(select(Announcement).options(selectinload(Announcement.categories))
                                   .order_by(Announcement.starts_at.desc(), Announcement.id.desc())))


def get(announcement_id: int) -> Announcement:
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(_("No such announcement."))
    return announcement


def _require_admin(user: User) -> None:
    policy.can_administer(user).enforce()


def save(actor: User, draft: AnnouncementDraft, announcement: Announcement | None = None) -> Announcement:
    _require_admin(actor)
    errors = {}
    title, body = " ".join((draft.title or "").split()), (draft.body or "").strip()
    if not 3 <= len(title) <= 160:
        errors["title"] = _("Use 3 to 160 characters.")
    if not body or len(body) > 5000:
        errors["body"] = _("Write up to 5,000 characters.")
    if draft.severity not in SEVERITIES:
        errors["severity"] = _("Choose info, warning or outage.")
    starts_at = draft.starts_at or clock.now()
    if draft.ends_at is not None and draft.ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    categories = list(db.session.scalars(select(Category).where(Category.slug.in_(draft.category_slugs)))) \
        if draft.category_slugs else []
    if len(categories) != len(set(draft.category_slugs)):
        errors["categories"] = _("Unknown category.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    if announcement is None:
        announcement = Announcement(created_by_id=actor.id, created_at=clock.now())
        db.session.add(announcement)
    announcement.title, announcement.body_source, announcement.body_html = title, body, render_markdown(body)
    announcement.severity, announcement.starts_at, announcement.ends_at = draft.severity, starts_at, draft.ends_at
    announcement.categories = categories
    db.session.flush()
    events.announce(CHANGED, actor_id=actor.id, announcement_id=announcement.id)
    db.session.commit()
    return announcement


def delete(actor: User, announcement: Announcement) -> None:
    _require_admin(actor)
    events.announce(CHANGED, actor_id=actor.id, announcement_id=announcement.id)
    db.session.delete(announcement)
    db.session.commit()
