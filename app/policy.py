"""The one permission policy: may this user do this to that object, and if not, why?

Every function answers one question with a `Decision` that carries the
sentence the user sees when refused ("New members cannot post links yet",
"You are suspended until 12 May 2026: spam"). Services call these and raise
on a refusal (`decision.enforce()`), pages and the API only ask them to
decide what to show, so a button is never offered that the service would
refuse, and no rule is written twice.

The functions read only what is already loaded (the user row with its
stored trust level and sanction columns, the post row), never the
database, so asking the policy for every answer on a page costs no query.
Trust levels (app.domain.trust) become privileges here; staff, moderators
and admins hold every member privilege.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.domain.trust import Privilege, has_privilege
from app.models import Answer, Thread, ThreadStatus, User, Visibility
from app.services.errors import NotAuthorised, NotFound


@dataclass(frozen=True)
class Decision:
    """Allowed, or refused with the reason shown to the user (and a 404 when the object must stay secret)."""

    allowed: bool
    reason: object = ""
    hide_existence: bool = False

    def __bool__(self) -> bool:
        return self.allowed

    def enforce(self) -> None:
        if self.allowed:
            return
        if self.hide_existence:
            raise NotFound(str(self.reason))
        raise NotAuthorised(str(self.reason))


ALLOW = Decision(True)


def refuse(reason) -> Decision:
    """A refusal; `reason` is a lazy translation, rendered only if someone reads it (pages ask the policy
    for every answer, and most of those refusals are never shown)."""
    return Decision(False, reason)


def _member(user) -> User | None:
    """The signed-in user as a plain object, or None for a visitor (AnonymousUserMixin or None).

    Unwraps Flask-Login's `current_user` proxy once, so the checks after it read plain attributes;
    `is_anonymous` is a constant, where `is_authenticated` would recompute the account's state.
    """
    if user is None:
        return None
    unwrap = getattr(user, "_get_current_object", None)
    if unwrap is not None:
        user = unwrap()
    return None if user.is_anonymous else user


def _when(moment: datetime) -> str:
    return format_datetime(moment, "medium") if has_app_context() else moment.isoformat()


def _setting(name: str, default):
    return current_app.config.get(name, default) if has_app_context() else default


# --- who the user is -------------------------------------------------------------------------------

def is_moderator(user) -> bool:
    user = _member(user)
    return bool(user and user.is_moderator)


def is_staff(user) -> bool:
    user = _member(user)
    return bool(user and user.is_staff)


def trust_level(user) -> int:
    """Staff hold every member privilege; members hold their stored (or locked) level."""
    user = _member(user)
    if user is None:
        return -1
    return 3 if user.is_staff else user.trust_level


def _privilege(user, privilege: str) -> bool:
    return has_privilege(trust_level(user), privilege) if _member(user) else False


# --- sanctions: the gate in front of every write ---------------------------------------------------

def write_block(user) -> Decision:
    """Refuses every write of a visitor, a banned, suspended, silenced or deleted account, with the reason."""
    user = _member(user)
    if user is None:
        return refuse(_l("Please log in."))
    if user.deleted_at is None and user.banned_at is None and user.suspended_until is None \
            and user.silenced_until is None:
        return ALLOW        # the common case, decided without a clock read or a translation
    now = clock.now()
    reason = user.sanction_reason or _("no reason given")
    if user.deleted_at is not None:
        return refuse(_l("This account was deleted."))
    if user.banned_at is not None:
        return refuse(_l("You are banned: %(reason)s", reason=reason))
    if user.suspended_until is not None and user.suspended_until > now:
        return refuse(_l("You are suspended until %(when)s: %(reason)s", when=_when(user.suspended_until),
                        reason=reason))
    if user.silenced_until is not None and user.silenced_until > now:
        return refuse(_l("You are silenced until %(when)s: %(reason)s", when=_when(user.silenced_until),
                        reason=reason))
    return ALLOW


def can_write(user) -> Decision:
    """Any write at all (the socket's private rooms use it too)."""
    return write_block(user)


# --- seeing ---------------------------------------------------------------------------------------

def can_see_thread(user, thread: Thread) -> Decision:
    """Visible threads for everyone; held or hidden ones for their author and moderators; deleted for moderators."""
    if thread.visibility == Visibility.VISIBLE.value:
        return ALLOW
    user = _member(user)
    if user is not None and user.is_moderator:
        return ALLOW
    if (user is not None and user.id == thread.author_id
            and thread.visibility in (Visibility.PENDING.value, Visibility.HIDDEN.value)):
        return ALLOW
    return Decision(False, _l("This question does not exist or was removed."), hide_existence=True)


def can_see_answer(user, answer: Answer) -> Decision:
    if answer.visibility == Visibility.VISIBLE.value:
        return ALLOW
    user = _member(user)
    if user is not None and user.is_moderator:
        return ALLOW
    if (user is not None and user.id == answer.author_id
            and answer.visibility in (Visibility.PENDING.value, Visibility.HIDDEN.value)):
        return ALLOW
    return Decision(False, _l("This answer does not exist or was removed."), hide_existence=True)


def sees_moderated_posts(user) -> bool:
    """Whether lists and thread pages should include held and hidden posts of others (moderators)."""
    return is_moderator(user)


# --- posting --------------------------------------------------------------------------------------

def can_ask(user) -> Decision:
    return write_block(user)


def can_answer(user, thread: Thread) -> Decision:
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if thread.is_locked and not is_moderator(user):
        return refuse(_l("This question is locked: nobody can answer or edit it now."))
    if thread.status == ThreadStatus.CLOSED.value:
        return refuse(_l("This question is closed for new answers."))
    return ALLOW


def can_edit(user, post: Thread | Answer, thread: Thread | None = None) -> Decision:
    """Authors edit their own posts; moderators and leaders (trust level 3, audited) anyone's."""
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    thread = thread if thread is not None else (post if isinstance(post, Thread) else post.thread)
    if is_moderator(user):
        return ALLOW
    if thread.is_locked:
        return refuse(_l("This question is locked: nobody can answer or edit it now."))
    if post.author_id == user.id or _privilege(user, Privilege.EDIT_OTHERS):
        return ALLOW
    return refuse(_l("You can only edit your own posts."))


def edit_is_audited(user, post: Thread | Answer) -> bool:
    """Edits of someone else's post are moderator actions and go to the audit log."""
    return _member(user) is not None and post.author_id != user.id


def can_post_links(user) -> Decision:
    if _privilege(user, Privilege.POST_LINKS):
        return ALLOW
    return refuse(_l("New members cannot post links or images yet: take part for a day and write a few posts "
                    "first, then links work."))


def holds_for_review(user, posts_written: Callable[[], int]) -> bool:
    """Pre-moderation: a new member's first PREMODERATE_FIRST_POSTS posts wait for a moderator (0 = off).

    `posts_written` is called only when pre-moderation applies, so it costs no query otherwise.
    """
    first_posts = _setting("PREMODERATE_FIRST_POSTS", 0)
    return bool(first_posts) and trust_level(user) == 0 and posts_written() < first_posts


def can_post_now(user, posts_last_hour: int) -> Decision:
    """New members write at most NEW_MEMBER_POSTS_PER_HOUR posts an hour."""
    limit = _setting("NEW_MEMBER_POSTS_PER_HOUR", 5)
    if trust_level(user) == 0 and posts_last_hour >= limit:
        return refuse(_l("New members can write at most %(n)d posts an hour. Please wait a little.", n=limit))
    return ALLOW


# --- votes, flags, acceptance ----------------------------------------------------------------------

def can_vote(user, post: Thread | Answer) -> Decision:
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if post.author_id == user.id:
        return refuse(_l("You cannot vote on your own post."))
    return ALLOW


def can_flag(user, post: Thread | Answer) -> Decision:
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if post.author_id == user.id:
        return refuse(_l("You cannot flag your own post."))
    if not _privilege(user, Privilege.FLAG):
        return refuse(_l("New members cannot flag posts yet: take part for a day and write a few posts first."))
    return ALLOW


def can_report_user(user, subject: User) -> Decision:
    """Reporting a member is flagging a person: the same trust level, never yourself, never a deleted account."""
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if subject.id == user.id:
        return refuse(_l("You cannot report yourself."))
    if subject.deleted_at is not None:
        return refuse(_l("This account was deleted."))
    if not _privilege(user, Privilege.FLAG):
        return refuse(_l("New members cannot report members yet: take part for a day and write a few posts "
                        "first."))
    return ALLOW


def can_accept(user, thread: Thread) -> Decision:
    """The asker decides what solved their problem; staff may do it for them."""
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if user.id == thread.author_id or user.is_staff:
        return ALLOW
    return refuse(_l("Only the asker or staff can accept an answer."))


def can_retag(user, thread: Thread) -> Decision:
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if thread.author_id == user.id or _privilege(user, Privilege.RETAG):
        return ALLOW
    return refuse(_l("Retagging others' questions needs trust level 2."))


def can_close_duplicate(user) -> Decision:
    user = _member(user)
    blocked = write_block(user)
    if not blocked:
        return blocked
    if _privilege(user, Privilege.CLOSE_DUPLICATE):
        return ALLOW
    return refuse(_l("Closing questions as duplicates needs trust level 2."))


def hides_at_once(user) -> bool:
    return _privilege(user, Privilege.HIDE_AT_ONCE)


# --- areas -----------------------------------------------------------------------------------------

def can_use_staff_area(user) -> Decision:
    if is_staff(user):
        return ALLOW
    return refuse(_l("Only staff can do that."))


def can_curate(user) -> Decision:
    if is_staff(user):
        return ALLOW
    return refuse(_l("Only staff can curate articles."))


def can_moderate(user) -> Decision:
    if is_moderator(user):
        return ALLOW
    return refuse(_l("Only moderators can do that."))


def can_administer(user) -> Decision:
    user = _member(user)
    if user is not None and user.is_admin:
        return ALLOW
    return refuse(_l("Only administrators can change this."))


def can_sanction(actor, target: User) -> Decision:
    """Moderators sanction members; only admins sanction staff; nobody sanctions themselves or an admin."""
    if not is_moderator(actor):
        return refuse(_l("Only moderators can do that."))
    if actor.id == target.id:
        return refuse(_l("You cannot sanction yourself."))
    if target.is_admin or (target.is_staff and not actor.is_admin):
        return refuse(_l("Only an administrator can sanction staff, and nobody can sanction an administrator."))
    return ALLOW


def can_lock_trust_level(actor) -> Decision:
    return can_use_staff_area(actor)


def can_see_notifications_of(user, owner_id: int) -> Decision:
    user = _member(user)
    if user is not None and user.id == owner_id:
        return ALLOW
    return Decision(False, _l("Page not found."), hide_existence=True)


def can_join_private_room(user) -> Decision:
    """Signed-in, unsanctioned users get their notification room; staff rooms need staff too."""
    return write_block(user)
