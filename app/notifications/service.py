"""Who is told what: the one place that turns announced events into notifications and mail.

Services announce what happened (app/events) and never notify anyone
themselves. The dispatcher (app/notifications/dispatcher.py) hands each
committed event to `notices_for`, which names the recipients (askers,
answerers, followers, mentioned users, staff), then `deliver` drops those
who may not see the thread (app/policy.py) or switched the kind off, and
writes in the dispatcher's transaction one notification row per recipient,
a mail-outbox row for those who want e-mail at once, and a `notified` event
that rings the recipient's bell on every open page.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app import clock, events, policy
from app.extensions import db
from app.models import (Announcement, Answer, Category, Department, DomainEvent, MilestoneNotice, Notification,
                        NotificationPreference, Thread, ThreadEvent, ThreadFollow, User)
from app.notifications import kinds

#: The event app/services/announcements.py announces when an announcement is saved or deleted.
ANNOUNCEMENT_CHANGED = "announcement_changed"
#: Announcements worth a mail to those who opted in.
TOLD_SEVERITIES = frozenset({"warning", "outage"})
#: Reputation figures worth a "well done"; each is told once, the first time it is reached.
MILESTONES = (10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000)
#: Events that may raise someone's reputation, with the payload key naming whose.
RAISES_REPUTATION = {"voted": "author_id", "answer_accepted": "answer_author_id"}
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.-]{1,31})")
MAX_MENTIONS = 20


@dataclass(frozen=True)
class Notice:
    """One thing one user should hear about; `answer_id` names the content a mail may quote."""

    user_id: int
    kind: str
    thread_id: int | None = None
    detail: dict = field(default_factory=dict)
    answer_id: int | None = None


# --- follows -------------------------------------------------------------------------------------------

def follow(user_id: int, thread_id: int, *, explicit: bool = True) -> None:
    """Follow a thread; an automatic follow (asking, answering) never overrides an earlier unfollow."""
    row = db.session.get(ThreadFollow, (user_id, thread_id))
    if row is None:
        db.session.add(ThreadFollow(user_id=user_id, thread_id=thread_id, following=True, created_at=clock.now()))
    elif explicit:
        row.following = True


def unfollow(user_id: int, thread_id: int) -> None:
    row = db.session.get(ThreadFollow, (user_id, thread_id))
    if row is None:
        db.session.add(ThreadFollow(user_id=user_id, thread_id=thread_id, following=False, created_at=clock.now()))
    else:
        row.following = False


def is_following(user_id: int, thread_id: int) -> bool:
    return bool(db.session.connection().scalar(_FOLLOWING, {"user_id": user_id, "thread_id": thread_id}))


# Core statements built once: every signed-in page asks these (the bell, the follow button), and the ORM's
# execution path cost more than the indexed lookups themselves.
_FOLLOWS, _NOTIFICATIONS = ThreadFollow.__table__, Notification.__table__
_FOLLOWING = select(_FOLLOWS.c.following).where(_FOLLOWS.c.user_id == bindparam("user_id"),
                                                _FOLLOWS.c.thread_id == bindparam("thread_id"))
_UNREAD = select(func.count(_NOTIFICATIONS.c.id)).where(_NOTIFICATIONS.c.user_id == bindparam("user_id"),
                                                        _NOTIFICATIONS.c.read_at.is_(None))


def followers(thread_id: int) -> list[int]:
    return list(db.session.scalars(select(ThreadFollow.user_id).where(
        ThreadFollow.thread_id == thread_id, ThreadFollow.following.is_(True))))


# --- preferences ---------------------------------------------------------------------------------------

def channels_of(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each user's stored choices by group (defaults are not stored)."""
    chosen: dict[int, dict[str, str]] = {}
    ids = list(set(user_ids))
    if ids:
        for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))):
            chosen.setdefault(row.user_id, {})[row.kind] = row.channel
    return chosen


def channel_for(choices: dict[str, str], kind: str) -> str:
    group = kinds.GROUP_OF.get(kind, "my_question_status")
    return choices.get(group) or kinds.GROUPS[group][0]


def preferences(user_id: int) -> dict[str, str]:
    """Every group with this user's channel (their choice or the default)."""
    choices = channels_of([user_id]).get(user_id, {})
    return {group: choices.get(group, default) for group, (default, _label) in kinds.GROUPS.items()}


def set_preference(user_id: int, group: str, channel: str) -> None:
    """Store one choice (the caller commits); a choice equal to the default is stored too, harmlessly."""
    if group not in kinds.GROUPS or channel not in kinds.CHANNELS:
        raise ValueError(f"unknown preference {group}={channel}")
    row = db.session.get(NotificationPreference, (user_id, group))
    if row is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=group, channel=channel))
    else:
        row.channel = channel


# --- who is told what ----------------------------------------------------------------------------------

def mentioned_user_ids(text: str, exclude: set[int]) -> list[int]:
    names = {name.lower().rstrip(".") for name in MENTION.findall(text or "")}
    if not names:
        return []
    found = db.session.scalars(select(User.id).where(func.lower(User.username).in_(list(names)[:MAX_MENTIONS])))
    return [user_id for user_id in found if user_id not in exclude]


def _thread(event: DomainEvent) -> Thread | None:
    return db.session.get(Thread, event.thread_id) if event.thread_id else None


def _staff_target_minutes(thread: Thread) -> int | None:
    return db.session.scalar(select(Category.staff_response_minutes).where(Category.id == thread.category_id))


def _staff_answerers(thread_id: int) -> list[int]:
    return list(db.session.scalars(select(Answer.author_id).where(
        Answer.thread_id == thread_id, Answer.is_staff.is_(True)).distinct()))


def _accepted_before(event: DomainEvent) -> bool:
    """Whether this answer's acceptance was already announced: accepting it twice, or un-accepting and
    accepting it again, is one fact, and nobody is told of it twice (no bell, no mail).

    Accepting a *different* answer is a new fact for its author; the asker and followers hear "resolved"
    only when the thread was not resolved just before (not when the accepted answer is switched).
    """
    answer_id = (event.payload or {}).get("answer_id")
    if answer_id is None:
        return False
    earlier = db.session.scalars(select(DomainEvent.payload).where(
        DomainEvent.thread_id == event.thread_id, DomainEvent.kind == "answer_accepted", DomainEvent.id < event.id))
    return any((payload or {}).get("answer_id") == answer_id for payload in earlier)


def _announcement_notices(announcement_id) -> list[Notice]:
    """An outage or warning announcement, once per announcement, to everyone who opted in.

    `announcement_changed` is announced at every save; a later edit tells only
    subscribers who were not told yet (for example after a severity raised
    from info to outage). An announcement that has already ended tells nobody.
    """
    announcement = db.session.get(Announcement, announcement_id) if isinstance(announcement_id, int) else None
    if announcement is None or announcement.severity not in TOLD_SEVERITIES:
        return []
    if announcement.ends_at is not None and announcement.ends_at <= clock.now():
        return []
    subscribers = db.session.scalars(select(NotificationPreference.user_id).where(
        NotificationPreference.kind == kinds.GROUP_OF["announcement"], NotificationPreference.channel != kinds.OFF))
    told = {user_id for user_id, detail in db.session.execute(
        select(Notification.user_id, Notification.detail).where(
            Notification.kind == "announcement", Notification.created_at >= announcement.created_at))
        if (detail or {}).get("announcement_id") == announcement.id}
    detail = {"announcement_id": announcement.id, "severity": announcement.severity, "title": announcement.title}
    return [Notice(user_id, "announcement", None, detail) for user_id in subscribers if user_id not in told]


def _milestone_notices(user_id, thread_id: int | None) -> list[Notice]:
    """The highest milestone this user's reputation has reached, unless they were told of it or a higher one.

    Reputation is read when the event is dispatched (the ledger has already
    applied it); falling below a milestone and rising again tells nothing new.
    """
    if not isinstance(user_id, int):
        return []
    reputation = db.session.scalar(select(User.reputation).where(User.id == user_id)) or 0
    reached = max((milestone for milestone in MILESTONES if milestone <= reputation), default=None)
    if reached is None:
        return []
    told = [(detail or {}).get("milestone") or 0 for detail in db.session.scalars(select(Notification.detail).where(
        Notification.user_id == user_id, Notification.kind == "reputation_milestone"))]
    if max(told, default=0) >= reached or not _claim_milestone(user_id, reached):
        return []
    return [Notice(user_id, "reputation_milestone", thread_id, {"milestone": reached})]


def _claim_milestone(user_id: int, milestone: int) -> bool:
    """Whether this transaction is the one to tell of the milestone: the notification rows of another
    worker's transaction are invisible until it commits, its claim is not (a duplicate key)."""
    dialect_insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    claimed = db.session.execute(dialect_insert(MilestoneNotice).values(user_id=user_id, milestone=milestone)
                                 .on_conflict_do_nothing().returning(MilestoneNotice.user_id))
    return claimed.first() is not None


def notices_for(event: DomainEvent) -> list[Notice]:
    """The notifications one event causes, before preferences and visibility."""
    notices = _notices_for(event)
    if event.kind in RAISES_REPUTATION:
        notices += _milestone_notices((event.payload or {}).get(RAISES_REPUTATION[event.kind]), event.thread_id)
    return notices


def _notices_for(event: DomainEvent) -> list[Notice]:
    payload = event.payload or {}
    thread = _thread(event)
    kind = event.kind
    notices: list[Notice] = []
    if kind == "asked" and thread is not None:
        follow(thread.author_id, thread.id, explicit=False)
        notices += [Notice(user_id, "mentioned", thread.id, {"by": event.actor_id})
                    for user_id in mentioned_user_ids(thread.body_source, {thread.author_id})]
    elif kind == "answered" and thread is not None:
        answer = db.session.get(Answer, payload.get("answer_id"))
        follow(event.actor_id, thread.id, explicit=False)
        told = {event.actor_id}
        if thread.author_id != event.actor_id:
            notices.append(Notice(thread.author_id, "staff_answered" if payload.get("staff") else "answered",
                                  thread.id, {"by": event.actor_id}, answer_id=payload.get("answer_id")))
            told.add(thread.author_id)
        for user_id in followers(thread.id):
            if user_id not in told:
                notices.append(Notice(user_id, "followed_answer", thread.id, {"by": event.actor_id},
                                      answer_id=payload.get("answer_id")))
                told.add(user_id)
        if answer is not None:
            notices += [Notice(user_id, "mentioned", thread.id, {"by": event.actor_id}, answer_id=answer.id)
                        for user_id in mentioned_user_ids(answer.body_source, told)]
    elif kind == "resolution_prompted" and thread is not None:
        notices.append(Notice(event.user_id or thread.author_id, "resolution_check", thread.id))
    elif kind == "escalated" and thread is not None:
        notices.append(Notice(thread.author_id, "escalated", thread.id,
                              {"reason": payload.get("reason"), "staff_minutes": _staff_target_minutes(thread)}))
        if payload.get("reason") == "not_solved":
            notices += [Notice(user_id, "not_solved", thread.id) for user_id in _staff_answerers(thread.id)]
    elif kind == "answer_accepted" and thread is not None and not _accepted_before(event):
        answerer = payload.get("answer_author_id")
        if answerer and answerer != thread.author_id and answerer != event.actor_id:
            notices.append(Notice(answerer, "answer_accepted", thread.id, answer_id=payload.get("answer_id")))
        if payload.get("previous_answer_id") is None:  # a switch of the accepted answer leaves it resolved
            if event.actor_id != thread.author_id:
                notices.append(Notice(thread.author_id, "resolved", thread.id))
            notices += [Notice(user_id, "followed_status", thread.id, {"status": "resolved"})
                        for user_id in followers(thread.id) if user_id not in (thread.author_id, answerer,
                                                                               event.actor_id)]
    elif kind == "auto_resolved" and thread is not None:
        notices.append(Notice(thread.author_id, "auto_resolved", thread.id))
        notices += [Notice(user_id, "followed_status", thread.id, {"status": "resolved"})
                    for user_id in followers(thread.id) if user_id != thread.author_id]
    elif kind == "closed" and thread is not None:
        if event.actor_id != thread.author_id:
            notices.append(Notice(thread.author_id, "closed", thread.id, {"duplicate_of": payload.get("duplicate_of")}))
        notices += [Notice(user_id, "followed_status", thread.id, {"status": "closed"})
                    for user_id in followers(thread.id) if user_id not in (thread.author_id, event.actor_id)]
    elif kind == "reopened" and thread is not None:
        # The staff who answered hear "not solved" from the escalation that follows; nobody hears it twice.
        told = {thread.author_id, event.actor_id, *_staff_answerers(thread.id)}
        notices += [Notice(user_id, "followed_status", thread.id, {"status": "reopened"})
                    for user_id in followers(thread.id) if user_id not in told]
    elif kind == "staff_requested" and thread is not None:
        by = db.session.scalar(select(User.username).where(User.id == event.actor_id))
        notices.append(Notice(event.user_id or thread.author_id, "staff_requested", thread.id, {"by": by}))
    elif kind == "assigned" and event.user_id and event.user_id != event.actor_id:
        notices.append(Notice(event.user_id, "assigned", event.thread_id))
    elif kind == "department_escalated":
        department = db.session.scalar(select(Department).where(Department.id == payload.get("department_id"))
                                       .options(joinedload(Department.members)))
        notices += [Notice(member.id, "department_escalated", event.thread_id)
                    for member in (department.members if department else ()) if member.id != event.actor_id]
    elif kind == "department_returned":
        escalator = db.session.scalar(
            select(ThreadEvent.actor_id).where(ThreadEvent.thread_id == event.thread_id,
                                               ThreadEvent.kind == "department_escalated")
            .order_by(ThreadEvent.created_at.desc(), ThreadEvent.id.desc()).limit(1))
        if escalator and escalator != event.actor_id:
            notices.append(Notice(escalator, "department_returned", event.thread_id))
    elif kind == "staff_target_breached" and event.user_id:
        notices.append(Notice(event.user_id, "staff_target_breached", event.thread_id))
    elif kind == "badge_awarded" and event.user_id:
        notices.append(Notice(event.user_id, "badge_awarded", event.thread_id,
                              {"badge": payload.get("badge"), "tier": payload.get("tier")}))
    elif kind == "post_hidden" and event.user_id:
        notices.append(Notice(event.user_id, "post_hidden", event.thread_id,
                              {"reason": payload.get("reason_code"), "answer_id": payload.get("answer_id")}))
    elif kind == ANNOUNCEMENT_CHANGED:
        notices += _announcement_notices(payload.get("announcement_id"))
    elif kind == "user_sanctioned" and event.user_id:
        notices.append(Notice(event.user_id, "user_sanctioned", None,
                              {"sanction": payload.get("sanction") or payload.get("kind"),
                               "until": payload.get("until")}))
    return notices


#: Kinds the account holder must hear about even about a thread they can no longer see.
ABOUT_THE_USER = frozenset({"post_hidden", "user_sanctioned", "badge_awarded", "reputation_milestone"})


def deliver(event: DomainEvent, notices: list[Notice]) -> int:
    """Write the rows for `notices` in the current transaction; returns how many notifications."""
    if not notices:
        return 0
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_({notice.user_id for notice in notices})))}
    choices = channels_of(users)
    thread = _thread(event)
    from app.notifications import mail

    written = 0
    seen: set[tuple[int, str]] = set()
    for notice in notices:
        user = users.get(notice.user_id)
        if user is None or user.deleted_at is not None or (notice.user_id, notice.kind) in seen:
            continue
        seen.add((notice.user_id, notice.kind))
        if thread is not None and notice.kind not in ABOUT_THE_USER and not policy.can_see_thread(user, thread):
            continue
        channel = channel_for(choices.get(user.id, {}), notice.kind)
        if channel == kinds.OFF:
            continue
        db.session.add(Notification(user_id=user.id, kind=notice.kind, thread_id=notice.thread_id,
                                    detail=notice.detail or None, created_at=clock.now()))
        ring = events.announce("notified", thread_id=notice.thread_id, user_id=user.id, notification=notice.kind)
        ring.dispatched_at = clock.now()
        if channel == kinds.EMAIL:
            mail.queue_notice(user, notice, thread, event.id)
        written += 1
    return written


# --- reading -------------------------------------------------------------------------------------------

def for_user(user_id: int, page: int = 1, per_page: int = 20):
    from app.services.browsing import Page

    total = db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user_id)) or 0
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).options(joinedload(Notification.thread))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def unread_count(user_id: int) -> int:
    return db.session.connection().scalar(_UNREAD, {"user_id": user_id}) or 0


def mark_read(user_id: int, ids: list[int] | None = None) -> int:
    """Mark some (`ids`) or all of the user's notifications read; commits."""
    condition = [Notification.user_id == user_id, Notification.read_at.is_(None)]
    if ids is not None:
        condition.append(Notification.id.in_(ids))
    result = db.session.execute(update(Notification).where(*condition).values(read_at=clock.now())
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def mark_all_read(user_id: int) -> int:
    return mark_read(user_id)
