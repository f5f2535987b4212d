"""What staff templates and the shared layout need from the staff area."""
from flask import g
from flask_login import current_user

from app.services import announcements, canned_replies, resolution_check, staff_notes, staff_queue
from app.staff import bp


@bp.app_context_processor
def announcement_banner():
    """Active announcements for the banner: one query, made at most once per request."""

    def active_announcements():
        if "peerdesk_announcements" not in g:
            g.peerdesk_announcements = announcements.active()
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
        self.staff_request = (resolution_check.pending_request(thread)
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
        return self.is_staff or self.check_pending or self.can_ask_staff or self.staff_request is not None


@bp.app_template_global("staff_panel")
def staff_panel(thread):
    return ThreadPanel(thread, current_user)


@bp.app_template_filter("duration")
def duration(minutes: int) -> str:
    """Minutes as a short human duration ("3 hours"), in the user's language."""
    from datetime import timedelta

    from flask_babel import format_timedelta

    return format_timedelta(timedelta(minutes=minutes or 0), threshold=1.5)
