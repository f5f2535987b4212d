"""What staff templates and the shared layout need from the staff area."""
import logging
import threading

from flask import current_app, g, has_app_context
from flask_login import current_user

from app import clock, events
from app.pagecache import rules
from app.services import announcements, canned_replies, resolution_check, staff_notes, staff_queue
from app.staff import bp

log = logging.getLogger("peerdesk.staff")


class BannerCache:
    """This process's copy of the announcements not yet over, so most pages need no query for the banner.

    The banner was about a tenth of a thread page's cost, for rows that change
    a few times a month. The copy is dropped when an announcement changes:
    this process hears its own `announcement_changed` at the commit, others
    through the relay. With the page cache on, the shared "everywhere"
    generation (bumped in every process at once by any committed announcement
    row) is compared on each use as well, so a page rendered after a change,
    and then cached, never carries the old banner. Start and end times are
    applied on each use (`announcements.live`), against the replaceable clock.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._version = 0
        self._kept: tuple | None = None  # (version, generation, loaded_at, items)

    def active(self) -> list[announcements.ActiveAnnouncement]:
        now = clock.now()
        generation = _everywhere_generation()
        with self._lock:
            version, kept = self._version, self._kept
        if kept is None or kept[0] != version or generation is None or kept[1] != generation or now < kept[2]:
            items = announcements.not_ended(now)
            with self._lock:
                if self._version == version:  # not dropped while loading: the rows may predate the change
                    self._kept = (version, generation, now, items)
        else:
            items = kept[3]
        return announcements.live(items, now)

    def drop(self) -> None:
        with self._lock:
            self._version += 1
            self._kept = None


def _everywhere_generation() -> int | None:
    """The page cache's shared generation of what every page shows; 0 without a page cache, None if unknown."""
    cache = current_app.extensions.get("pagecache")
    if cache is None:
        return 0
    try:
        return cache.generation(rules.EVERYWHERE)
    except Exception:  # a store that is down: load the rows rather than trust the copy
        log.exception("page cache generation unreadable; loading announcements")
        return None


def banner_cache() -> BannerCache:
    return current_app.extensions.setdefault("peerdesk_banner", BannerCache())


@events.subscribe
def _drop_banner_copy(happened: events.Happened) -> None:
    if happened.kind == announcements.CHANGED and has_app_context():
        banner_cache().drop()


@bp.app_context_processor
def announcement_banner():
    """Active announcements for the banner: from this process's copy, loaded at most once per request."""

    def active_announcements():
        if "peerdesk_announcements" not in g:
            g.peerdesk_announcements = banner_cache().active()
        return g.peerdesk_announcements

    return {"active_announcements": active_announcements}


class ThreadPanel:
    """Data for templates/staff/_thread_panel.html, loaded only for the viewer who sees it."""

    def __init__(self, thread, user):
        self.thread = thread
        self.user = user if user is not None and user.is_authenticated else None
        self.is_staff = bool(self.user and self.user.is_staff)
        self.is_asker = bool(self.user and self.user.id == thread.author_id)
        self.check_pending = resolution_check.check_pending(thread, self.user)
        # While the resolution check is open, its "No" is the way to staff; one prompt at a time.
        self.can_ask_staff = resolution_check.can_ask_staff(self.user, thread) and not self.check_pending
        self.staff_requester = (resolution_check.requester_name(thread)
                                if self.user and (self.can_ask_staff or self.is_asker) and not thread.needs_staff
                                else None)
        if self.is_staff:
            self.notes = staff_notes.thread_notes(thread.id)
            self.customer = staff_notes.customer_context(thread.author, exclude_thread_id=thread.id)
            self.departments = staff_queue.all_departments()
            self.staff_members = staff_queue.staff_members()
            self.canned = [(reply, canned_replies.fill(reply.body, thread)) for reply in canned_replies.all_replies()]
            self.history = [event for event in staff_notes.internal_timeline(thread.id)
                            if event.kind not in ("created", "edited")]
            self.department = next((d for d in self.departments if d.id == thread.department_id), None)

    @property
    def visible(self) -> bool:
        return self.is_staff or self.check_pending or self.can_ask_staff or self.staff_requester is not None


@bp.app_template_global("staff_panel")
def staff_panel(thread):
    return ThreadPanel(thread, current_user)


@bp.app_template_filter("duration")
def duration(minutes: int) -> str:
    """Minutes as a short human duration ("3 hours"), in the user's language."""
    from datetime import timedelta

    from flask_babel import format_timedelta

    return format_timedelta(timedelta(minutes=minutes or 0), threshold=1.5)
