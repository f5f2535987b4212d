"""Flags, the review queue and what moderators do to posts and threads.

The queue holds one open item per post (`ReviewItem.open_key`): every flag
on the post, a held (pre-moderated) post, or a watched word's automatic
flag lands in it. When the flags' weight reaches FLAG_HIDE_THRESHOLD the
post is hidden at once with one conditional UPDATE (`… WHERE visibility =
'visible'`), so of twenty members flagging at the same moment exactly one
hides it and one `post_hidden` event is announced.

Nothing is lost: hide, delete and restore only change a post's visibility
(answers, votes and the accepted answer stay where they are), so restoring
brings a thread back exactly; counters follow the visibility, the search
index follows through the outbox, and reputation follows the announced
events (the reputation ledger reverses and re-applies inside the same
transaction). Every moderator action leaves an audit row.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import clock, events, policy
from app.domain.timeline_kinds import EventKind
from app.domain.trust import flag_weight
from app.extensions import db
from app.models import (
    Answer,
    AuditEntry,
    Category,
    Flag,
    FlagReason,
    ReviewItem,
    ReviewKind,
    Thread,
    ThreadStatus,
    User,
    UserReport,
    Visibility,
    post_key,
)
from app.services import audit, search_outbox, timeline
from app.services.browsing import Page, paging_problems
from app.services.errors import Conflict, NotFound, ValidationFailed

MAX_FLAG_TEXT = 500
MAX_REASON = 500
QUEUE_PER_PAGE = 20
FLAG_REASON_LABELS = {
    FlagReason.SPAM.value: _l("Spam"),
    FlagReason.OFFENSIVE.value: _l("Offensive"),
    FlagReason.OFF_TOPIC.value: _l("Off-topic"),
    FlagReason.NEEDS_STAFF.value: _l("Needs staff"),
    FlagReason.OTHER.value: _l("Other"),
}
QUEUE_ACTIONS = ("approve", "hide", "delete", "restore")
THREAD_ACTIONS = ("lock", "unlock", "close", "duplicate", "reopen", "pin", "unpin", "move")

Post = Thread | Answer


def _ids(post: Post) -> tuple[int, int | None]:
    """(thread_id, answer_id) of a post."""
    return (post.thread_id, post.id) if isinstance(post, Answer) else (post.id, None)


def _author_of(post: Post) -> int:
    return post.author_id


def _hide_threshold() -> int:
    return max(1, int(current_app.config.get("FLAG_HIDE_THRESHOLD", 3)))


# --- visibility: the one place that moves a post between visible, pending, hidden and deleted ---------

def _locked(post: Post) -> Post:
    """Re-read the post's row with a lock, so two moderators act on the state the other left."""
    return db.session.scalar(select(type(post)).where(type(post).id == post.id).with_for_update()
                             .execution_options(populate_existing=True))


def _count_change(post: Post, delta: int) -> None:
    """Keep the category's thread count and the thread's answer count equal to the visible posts."""
    if isinstance(post, Thread):
        db.session.execute(update(Category).where(Category.id == post.category_id)
                           .values(thread_count=Category.thread_count + delta))
    else:
        db.session.execute(update(Thread).where(Thread.id == post.thread_id)
                           .values(answer_count=Thread.answer_count + delta))


def _move(post: Post, to: str, reason: str | None, *, previous: str) -> bool:
    """Change the visibility if it still is `previous`; True when this transaction made the change."""
    model = type(post)
    changed = db.session.execute(
        update(model).where(model.id == post.id, model.visibility == previous)
        .values(visibility=to, hidden_reason=reason).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    db.session.expire(post, ["visibility", "hidden_reason"])
    now = clock.now()
    if previous == Visibility.PENDING.value and to == Visibility.VISIBLE.value:
        _publish(post, now)
    elif previous == Visibility.VISIBLE.value:
        _count_change(post, -1)
    elif to == Visibility.VISIBLE.value:
        _count_change(post, +1)
    thread_id, _answer_id = _ids(post)
    search_outbox.enqueue(thread_id)
    return True


def _publish(post: Post, now) -> None:
    from app.services import posting  # posting calls back into this module for held posts

    if isinstance(post, Thread):
        posting.publish_question(post, now)
    else:
        posting.publish_answer(post.thread, post, now)


def _announce(kind: str, post: Post, actor: User | None, **payload) -> None:
    thread_id, answer_id = _ids(post)
    events.announce(kind, thread_id=thread_id, actor_id=actor.id if actor else None, user_id=_author_of(post),
                    answer_id=answer_id, **payload)


# --- the queue's items -------------------------------------------------------------------------------

def _open_item(post: Post, kind: str, note: str | None = None) -> ReviewItem:
    """The post's open review item, created when there is none (safe when many flaggers race)."""
    thread_id, answer_id = _ids(post)
    key = post_key(thread_id, answer_id)
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == key))
    if item is not None:
        return item
    try:
        with db.session.begin_nested():
            item = ReviewItem(kind=kind, thread_id=thread_id, answer_id=answer_id, open_key=key, note=note,
                              created_at=clock.now())
            db.session.add(item)
    except IntegrityError:
        item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == key))
    return item


def hold_for_review(post: Post) -> ReviewItem:
    """A new post held by pre-moderation or a watched word; the caller commits."""
    return _open_item(post, ReviewKind.HELD.value)


def flag_automatically(post: Post, words: list[str]) -> ReviewItem:
    """A watched word in "flag" mode puts the post in the queue without hiding it."""
    return _open_item(post, ReviewKind.FLAGGED.value, note=_("Watched words: %(words)s", words=", ".join(words)))


def ask_for_review_again(post: Post) -> ReviewItem:
    """The author edited a hidden post: it goes back to the queue (the caller commits)."""
    return _open_item(post, ReviewKind.FLAGGED.value, note=_("Edited by its author after it was hidden."))


# --- flags ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FlagRequest:
    reason: str
    text: str = ""


def checked_reason(reason, text, labels, choose: str, limit: int = MAX_FLAG_TEXT) -> tuple[str, str]:
    """A flag's or a report's reason and text, or ValidationFailed naming the wrong field.

    "other" needs a text: a moderator cannot act on that reason alone.
    """
    reason = reason if isinstance(reason, str) else ""
    text = (text or "").strip() if isinstance(text, str) else ""
    errors = {}
    if reason not in labels:
        errors["reason"] = choose
    if reason == "other" and not text:
        errors["text"] = _("Tell the moderators what is wrong.")
    if len(text) > limit:
        errors["text"] = _("Keep it under %(max)d characters.", max=limit)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    return reason, text


def flag(flagger: User, post: Post, request: FlagRequest) -> Flag:
    """Flag a post once; its weight may hide the post at once (then its author is told why)."""
    policy.can_see_thread(flagger, post if isinstance(post, Thread) else post.thread).enforce()
    if isinstance(post, Answer):
        policy.can_see_answer(flagger, post).enforce()
    policy.can_flag(flagger, post).enforce()
    reason, text = checked_reason(request.reason, request.text, FLAG_REASON_LABELS,
                                  _("Choose spam, offensive, off_topic, needs_staff or other."))
    thread_id, answer_id = _ids(post)
    threshold = _hide_threshold()
    weight = flag_weight(policy.trust_level(flagger), threshold)
    item = _open_item(post, ReviewKind.FLAGGED.value)
    new_flag = Flag(user_id=flagger.id, thread_id=None if answer_id else thread_id, answer_id=answer_id,
                    review_item_id=item.id, reason=reason, text=text, weight=weight, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(new_flag)
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("You flagged this post already.")) from error
    total = db.session.execute(update(ReviewItem).where(ReviewItem.id == item.id)
                               .values(flag_weight=ReviewItem.flag_weight + weight)
                               .returning(ReviewItem.flag_weight)).scalar_one()
    db.session.flush()
    events.announce("flagged", thread_id=thread_id, actor_id=flagger.id, user_id=post.author_id,
                    answer_id=answer_id, flag_id=new_flag.id, review_item_id=item.id)
    if total >= threshold and _move(post, Visibility.HIDDEN.value, str(FLAG_REASON_LABELS[reason]),
                                    previous=Visibility.VISIBLE.value):
        _announce("post_hidden", post, None, reason_code=reason, by_flags=True, review_item_id=item.id)
    db.session.commit()
    return new_flag


# --- the review queue -----------------------------------------------------------------------------

@dataclass
class QueueEntry:
    item: ReviewItem
    thread: Thread | None
    answer: Answer | None
    flags: list[Flag] = field(default_factory=list)
    reports: list[UserReport] = field(default_factory=list)
    may_sanction: bool = False

    @property
    def post(self) -> Post | None:
        return self.answer or self.thread

    @property
    def subject(self) -> User | None:
        """The reported member of a user-report item."""
        return self.item.subject_user

    @property
    def actions(self) -> list[str]:
        if self.item.kind == ReviewKind.USER_REPORT.value:
            from app.services import user_reports  # user_reports → sanctions → …; imported when first needed

            live = self.subject is not None and self.subject.deleted_at is None
            return list(user_reports.ACTIONS) if live and self.may_sanction else ["dismiss"]
        post = self.post
        if post is None:
            return []
        if post.visibility == Visibility.PENDING.value:
            return ["approve", "edit", "delete"]
        if post.visibility == Visibility.DELETED.value:
            return ["restore"]
        if post.visibility == Visibility.HIDDEN.value:
            return ["approve", "edit", "delete", "restore"]
        return ["approve", "hide", "edit", "delete"]

    @property
    def thread_actions(self) -> list[str]:
        """What the queue offers on the post's thread (the state decides: lock or unlock, …)."""
        thread = self.thread        # an answer's item names its thread too
        if thread is None or thread.visibility == Visibility.DELETED.value:
            return []
        closed = thread.status == ThreadStatus.CLOSED.value
        return ["unlock" if thread.is_locked else "lock", "reopen" if closed else "close",
                *([] if closed else ["duplicate"]), "unpin" if thread.is_pinned else "pin", "move"]


def open_count() -> int:
    return db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.status == "open")) or 0


def queue(viewer: User, page=None, per_page: int = QUEUE_PER_PAGE) -> Page:
    """Open items, oldest first, with their posts, flags, reports and reported members: six queries per page."""
    policy.can_moderate(viewer).enforce()
    numbers, errors = paging_problems(page, None, per_page)
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    number = numbers["page"]
    total = open_count()
    items = list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.status == "open")
        .options(selectinload(ReviewItem.flags).joinedload(Flag.user),
                 selectinload(ReviewItem.reports).joinedload(UserReport.reporter),
                 joinedload(ReviewItem.subject_user))
        .order_by(ReviewItem.created_at, ReviewItem.id).limit(per_page).offset((number - 1) * per_page)))
    thread_ids = {item.thread_id for item in items if item.thread_id}
    answer_ids = {item.answer_id for item in items if item.answer_id}
    threads = {thread.id: thread for thread in db.session.scalars(
        select(Thread).where(Thread.id.in_(thread_ids)).options(joinedload(Thread.author)))} if thread_ids else {}
    answers = {post.id: post for post in db.session.scalars(
        select(Answer).where(Answer.id.in_(answer_ids)).options(joinedload(Answer.author)))} if answer_ids else {}
    entries = [QueueEntry(item=item, thread=threads.get(item.thread_id), answer=answers.get(item.answer_id),
                          flags=list(item.flags), reports=list(item.reports),
                          may_sanction=bool(item.subject_user and policy.can_sanction(viewer, item.subject_user)))
               for item in items]
    return Page(items=entries, page=number, per_page=per_page, total=total)


def _item(item_id) -> ReviewItem:
    item = db.session.get(ReviewItem, item_id) if isinstance(item_id, int) else None
    if item is None:
        raise NotFound(_("No such review item."))
    return item


def _resolve_flags(item: ReviewItem, actor: User, upheld: bool) -> None:
    """Close the item, settle its open flags and each flagger's accuracy; announce `flag_resolved`."""
    now = clock.now()
    flags = [one for one in item.flags if one.upheld is None]
    for one in flags:
        one.upheld = upheld
    item.status, item.open_key, item.resolved_at, item.resolved_by_id = "resolved", None, now, actor.id
    flagger_ids = sorted({one.user_id for one in flags})
    if flagger_ids:
        column = User.flags_upheld if upheld else User.flags_dismissed
        db.session.execute(update(User).where(User.id.in_(flagger_ids)).values({column: column + 1})
                           .execution_options(synchronize_session=False))
        thread_id, answer_id = item.thread_id, item.answer_id
        events.announce("flag_resolved", thread_id=thread_id, actor_id=actor.id, answer_id=answer_id,
                        flag_ids=[one.id for one in flags], upheld=upheld, flagger_ids=flagger_ids,
                        review_item_id=item.id)


def act(actor: User, item_id, action: str, reason: str = "", days=None) -> ReviewItem:
    """approve (flags dismissed, post shown), hide (reason shown to the author), delete or restore;
    on an item of user reports: dismiss, or warn, silence, suspend or ban the member (`days`)."""
    policy.can_moderate(actor).enforce()
    item = _item(item_id)
    if item.status != "open":
        raise Conflict(_("Another moderator has already handled this item."))
    if item.kind == ReviewKind.USER_REPORT.value:
        from app.services import user_reports

        return user_reports.resolve(actor, item, action, reason, days)
    if action not in QUEUE_ACTIONS:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"action": _("Use approve, hide, delete or restore.")})
    post = _post_of_item(item)
    reason = _reason(reason, required=action == "hide")
    item.resolution = action
    if action == "approve":
        approve(actor, post, reason, item=item)
    elif action == "hide":
        hide(actor, post, reason, item=item)
    elif action == "delete":
        delete(actor, post, reason, item=item)
    else:
        restore(actor, post, reason, item=item)
    return item


def _post_of_item(item: ReviewItem) -> Post:
    post = db.session.get(Answer, item.answer_id) if item.answer_id else (
        db.session.get(Thread, item.thread_id) if item.thread_id else None)
    if post is None:
        raise NotFound(_("This post no longer exists."))
    return post


def open_item(item_id) -> ReviewItem:
    """An open item of flags or held posts (the queue's edit and thread forms act on its post)."""
    item = _item(item_id)
    if item.status != "open":
        raise Conflict(_("Another moderator has already handled this item."))
    if item.kind == ReviewKind.USER_REPORT.value:
        raise NotFound(_("This item has no post."))
    return item


def edit_post(actor: User, item_id, title: str | None, body: str, limits=None) -> Post:
    """Edit the item's post from the queue: the posting service's edit, audited with before and after.

    The item stays open: the moderator still decides (approve, hide, …) after fixing the text.
    """
    from app.services import posting

    policy.can_moderate(actor).enforce()
    post = _post_of_item(open_item(item_id))
    limits = limits or posting.Limits()
    if isinstance(post, Answer):
        return posting.edit_answer(actor, post, body, limits)
    draft = posting.QuestionDraft(title if title is not None else post.title, body, post.category.slug,
                                  [tag.name for tag in post.tags])
    return posting.edit_question(actor, post, draft, limits)


def thread_of_item(item_id) -> Thread:
    post = _post_of_item(open_item(item_id))
    return post.thread if isinstance(post, Answer) else post


def _reason(reason, required: bool = False) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if required and not reason:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"reason": _("Give the reason the author will see.")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"reason": _("Keep it under %(max)d characters.", max=MAX_REASON)})
    return reason


def _open_item_of(post: Post) -> ReviewItem | None:
    thread_id, answer_id = _ids(post)
    return db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == post_key(thread_id, answer_id)))


def _record(actor: User, action: str, post: Post, reason: str, before: str, after: str) -> None:
    thread_id, answer_id = _ids(post)
    audit.record(actor, action, target_user_id=post.author_id, thread_id=thread_id, answer_id=answer_id,
                 reason=reason, before={"visibility": before}, after={"visibility": after})



def approve(actor: User, post: Post, reason: str = "", item: ReviewItem | None = None) -> None:
    """Show the post (a held one is published now: its SLA clock starts) and dismiss its flags."""
    policy.can_moderate(actor).enforce()
    post = _locked(post)
    before = post.visibility
    if before in (Visibility.PENDING.value, Visibility.HIDDEN.value):
        _move(post, Visibility.VISIBLE.value, None, previous=before)
        _announce("post_approved", post, actor, was=before)
    item = item or _open_item_of(post)
    if item is not None:
        _resolve_flags(item, actor, upheld=False)
    _record(actor, "post_approved", post, reason, before, Visibility.VISIBLE.value)
    db.session.commit()


def hide(actor: User, post: Post, reason: str, item: ReviewItem | None = None) -> None:
    """Hide pending review; the author sees the reason and may edit the post to ask for another review."""
    policy.can_moderate(actor).enforce()
    reason = _reason(reason, required=True)
    post = _locked(post)
    before = post.visibility
    if before == Visibility.DELETED.value:
        raise Conflict(_("This post is deleted; restore it first."))
    if _move(post, Visibility.HIDDEN.value, reason, previous=before):
        _announce("post_hidden", post, actor, reason_code="moderator", by_flags=False)
    item = item or _open_item_of(post)
    if item is not None:
        _resolve_flags(item, actor, upheld=True)
    _record(actor, "post_hidden", post, reason, before, Visibility.HIDDEN.value)
    db.session.commit()


def delete(actor: User, post: Post, reason: str = "", item: ReviewItem | None = None) -> None:
    """Soft-delete: the post and everything attached to it stay in the database for a restore."""
    policy.can_moderate(actor).enforce()
    post = _locked(post)
    before = post.visibility
    if before == Visibility.DELETED.value:
        raise Conflict(_("This post is deleted already."))
    _move(post, Visibility.DELETED.value, reason or None, previous=before)
    _announce("post_deleted", post, actor, was=before)
    item = item or _open_item_of(post)
    if item is not None:
        _resolve_flags(item, actor, upheld=True)
    _record(actor, "post_deleted", post, reason, before, Visibility.DELETED.value)
    db.session.commit()


def restore(actor: User, post: Post, reason: str = "", item: ReviewItem | None = None) -> None:
    """Bring a hidden or deleted post back exactly as it was (answers, votes, acceptance untouched)."""
    policy.can_moderate(actor).enforce()
    post = _locked(post)
    before = post.visibility
    if before == Visibility.VISIBLE.value:
        raise Conflict(_("This post is visible already."))
    if before == Visibility.PENDING.value:
        raise Conflict(_("This post waits for approval; approve it instead."))
    item = item or _open_item_of(post)
    if item is not None:
        _resolve_flags(item, actor, upheld=False)
    after = Visibility.PENDING.value if _was_pending_when_deleted(post) else Visibility.VISIBLE.value
    _move(post, after, None, previous=before)
    if after == Visibility.PENDING.value:
        hold_for_review(post)
    else:
        _announce("post_restored", post, actor, was=before)
    _record(actor, "post_restored", post, reason, before, after)
    db.session.commit()


def _was_pending_when_deleted(post: Post) -> bool:
    """A held post a moderator deleted was never published: restoring puts it back in the queue."""
    if post.visibility != Visibility.DELETED.value:
        return False
    thread_id, answer_id = _ids(post)
    before = db.session.scalar(
        select(AuditEntry.before).where(AuditEntry.action == "post_deleted", AuditEntry.thread_id == thread_id,
                                        AuditEntry.answer_id.is_(None) if answer_id is None
                                        else AuditEntry.answer_id == answer_id)
        .order_by(AuditEntry.id.desc()).limit(1))
    return (before or {}).get("visibility") == Visibility.PENDING.value


# --- thread actions -------------------------------------------------------------------------------

def _thread_state(thread: Thread) -> dict:
    return {"locked": thread.is_locked, "pinned": thread.is_pinned, "status": thread.status,
            "category": thread.category_id, "duplicate_of": thread.duplicate_of_id}


_DUPLICATE_AUDIT = "peerdesk_duplicate_audit"


def close_as_duplicate(actor: User, thread: Thread, canonical_id, reason: str = "") -> Thread:
    """Close as a duplicate of another question (the knowledge base's rule: the original inherits its words);
    audited in the same transaction (when the knowledge base announces `closed`), reversible with reopen."""
    from app.services import knowledge_base

    policy.can_moderate(actor).enforce()
    reason = _reason(reason)
    if thread.status == ThreadStatus.CLOSED.value:
        raise Conflict(_("This question is closed already."))
    db.session.info[_DUPLICATE_AUDIT] = (actor, thread, reason, _thread_state(thread))
    try:
        return knowledge_base.close_as_duplicate(actor, thread, canonical_id)
    finally:
        db.session.info.pop(_DUPLICATE_AUDIT, None)


@events.within("closed")
def _audit_duplicate(row) -> None:
    pending = db.session.info.pop(_DUPLICATE_AUDIT, None)
    if pending is None or (row.payload or {}).get("reason") != "duplicate":
        return
    actor, thread, reason, before = pending
    if thread.id == row.thread_id:
        audit.record(actor, "thread_duplicate", target_user_id=thread.author_id, thread_id=thread.id,
                     reason=reason, before=before, after=_thread_state(thread))


def thread_action(actor: User, thread: Thread, action: str, reason: str = "", category: str | None = None,
                  duplicate_of=None) -> Thread:
    """lock/unlock, close (off-topic or as a duplicate)/reopen, pin/unpin, move to another category; audited."""
    policy.can_moderate(actor).enforce()
    if action not in THREAD_ACTIONS:
        raise ValidationFailed(_("Please correct the marked fields."), {"action": _("Unknown action.")})
    if action == "duplicate":
        return close_as_duplicate(actor, thread, duplicate_of, reason)
    reason = _reason(reason)
    thread = _locked(thread)
    state = lambda: _thread_state(thread)  # noqa: E731
    before = state()
    if action in ("lock", "unlock"):
        thread.is_locked = action == "lock"
    elif action in ("pin", "unpin"):
        thread.is_pinned = action == "pin"
    elif action == "close":
        if thread.status == ThreadStatus.CLOSED.value:
            raise Conflict(_("This question is closed already."))
        thread.status = ThreadStatus.CLOSED.value
        timeline.record(thread.id, EventKind.CLOSED, actor.id, detail={"reason": "off_topic"})
    elif action == "reopen":
        if thread.status != ThreadStatus.CLOSED.value:
            raise Conflict(_("Only a closed question can be reopened."))
        if thread.duplicate_of_id:
            # The original keeps the words it inherited: they only help the next searcher find it.
            search_outbox.enqueue(thread.duplicate_of_id)
            thread.duplicate_of_id = None
        thread.status = ThreadStatus.ANSWERED.value if thread.first_response_at else ThreadStatus.UNANSWERED.value
        timeline.record(thread.id, EventKind.REOPENED, actor.id, detail={"reason": "moderator"})
    else:
        target = db.session.scalar(select(Category).where(Category.slug == (category or "")))
        if target is None:
            raise ValidationFailed(_("Please correct the marked fields."), {"category": _("Choose a category.")})
        if target.id != thread.category_id and thread.visibility == Visibility.VISIBLE.value:
            db.session.execute(update(Category).where(Category.id == thread.category_id)
                               .values(thread_count=Category.thread_count - 1))
            db.session.execute(update(Category).where(Category.id == target.id)
                               .values(thread_count=Category.thread_count + 1))
        thread.category_id = target.id
    search_outbox.enqueue(thread.id)
    audit.record(actor, f"thread_{action}", target_user_id=thread.author_id, thread_id=thread.id, reason=reason,
                 before=before, after=state())
    kind = {"close": "closed", "reopen": "reopened"}.get(action, "thread_moderated")
    events.announce(kind, thread_id=thread.id, actor_id=actor.id, user_id=thread.author_id, action=action)
    db.session.commit()
    return thread
