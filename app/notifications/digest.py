"""The daily digest: one mail per user and day summarising unread activity of their digest kinds.

Idempotent per user and day: the outbox's dedupe key is `digest:<user>:<date>`,
so running `flask mail digest` twice (or from two machines) queues one mail.
"""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock
from app.extensions import db
from app.models import Notification, User
from app.notifications import kinds, mail
from app.notifications.mail import SUBJECTS, external_url, headline, notice_title
from app.notifications.service import channel_for, channels_of

MAX_ITEMS = 30


def send_digests(now=None) -> int:
    """Queue today's digest for every user with unread digest notifications from the last day; returns how many."""
    now = now or clock.now()
    since = now - timedelta(days=1)
    rows = db.session.scalars(
        select(Notification).where(Notification.read_at.is_(None), Notification.created_at > since)
        .options(joinedload(Notification.thread)).order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    choices = channels_of(by_user)
    queued = 0
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(by_user)))}
    for user_id, items in by_user.items():
        user = users.get(user_id)
        wanted = [row for row in items if channel_for(choices.get(user_id, {}), row.kind) == kinds.DIGEST]
        if user is None or user.deleted_at is not None or not wanted:
            continue
        from flask_babel import force_locale

        with force_locale(user.locale or "en"):
            entries = [{"text": headline(row, notice_title(row, row.thread)),
                        "url": external_url("forum.thread", thread_id=row.thread_id) if row.thread_id else None}
                       for row in wanted[:MAX_ITEMS]]
            subject = str(SUBJECTS["digest"] % {"count": len(wanted)})
        if mail.queue(user, "digest", f"digest:{user_id}:{now.date().isoformat()}", subject, "digest",
                      entries=entries, more=max(len(wanted) - MAX_ITEMS, 0),
                      notifications_url=external_url("notifications.index"),
                      unsubscribe_group="followed_threads") is not None:
            queued += 1
    db.session.commit()
    return queued
