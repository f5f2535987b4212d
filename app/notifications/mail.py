"""Mail: render a message in the recipient's language and queue it in the outbox.

Rendering happens when the row is queued (in the dispatcher's transaction),
so the delivery worker only sends what is stored. Every message is
multipart text + HTML, names the thread and quotes the new content (the
post's stored, sanitised HTML, never a staff note), links to the thread,
and carries `List-Unsubscribe` with RFC 8058 one-click unsubscribe. The
resolution check adds signed, expiring, single-use "Yes, solved" and "No,
still not solved" links that work without logging in.
"""
import secrets
import uuid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.extensions import db
from app.models import Announcement, Answer, MailMessage, Thread, UsedToken, User
from app.notifications import kinds
from app.search.text import html_to_text

#: Subject and opening line of each notification kind's mail.
SUBJECTS = {
    "answered": _l("New answer to your question “%(title)s”"),
    "staff_answered": _l("Our support team answered “%(title)s”"),
    "resolution_check": _l("Did this solve your problem? “%(title)s”"),
    "escalated": _l("Our team is on your question “%(title)s”"),
    "resolved": _l("Your question “%(title)s” is resolved"),
    "auto_resolved": _l("Your question “%(title)s” was marked as resolved"),
    "staff_requested": _l("Should staff help with “%(title)s”?"),
    "followed_answer": _l("New answer on “%(title)s”"),
    "followed_status": _l("“%(title)s” is resolved"),
    "followed_status_closed": _l("“%(title)s” was closed as a duplicate"),
    "followed_status_reopened": _l("“%(title)s” is open again"),
    "closed": _l("Your question “%(title)s” was closed as a duplicate"),
    "answer_accepted": _l("Your answer on “%(title)s” was accepted"),
    "mentioned": _l("You were mentioned on “%(title)s”"),
    "badge_awarded": _l("You earned a badge"),
    "reputation_milestone": _l("Your reputation reached %(milestone)s"),
    "post_hidden": _l("Your post on “%(title)s” was hidden"),
    "user_sanctioned": _l("A moderator restricted your account"),
    "assigned": _l("You were assigned “%(title)s”"),
    "department_escalated": _l("“%(title)s” was handed to your department"),
    "department_returned": _l("“%(title)s” came back from the department"),
    "staff_target_breached": _l("“%(title)s” breached its staff target"),
    "not_solved": _l("“Not solved”: the asker of “%(title)s” needs more help"),
    "digest": _l("Your Peerdesk digest: %(count)d new"),
    "announcement": _l("Service notice: %(title)s"),
    "announcement_outage": _l("Outage: %(title)s"),
    "announcement_warning": _l("Warning: %(title)s"),
}


#: The opening sentence of each kind's mail (plain text: escaped by the HTML template, as is in the text one).
HEADLINES = {
    "answered": _l("Someone answered your question “%(title)s”."),
    "staff_answered": _l("Our support team answered your question “%(title)s”."),
    "resolution_check": _l("Did the answers on “%(title)s” solve your problem?"),
    "escalated": _l("Your question “%(title)s” is now with our support team."),
    "escalated_with_target": _l("Your question “%(title)s” is now with our support team. "
                                "Our team will answer within %(time)s."),
    "resolved": _l("Your question “%(title)s” was marked as resolved."),
    "auto_resolved": _l("“%(title)s” was marked as resolved after a week without reply."),
    "staff_requested": _l("Someone suggests asking staff about “%(title)s”. Do you agree?"),
    "followed_answer": _l("New answer on “%(title)s”, a question you follow."),
    "followed_status": _l("“%(title)s”, a question you follow, is resolved."),
    "followed_status_closed": _l("“%(title)s”, a question you follow, was closed as a duplicate."),
    "followed_status_reopened": _l("“%(title)s”, a question you follow, is open again: the asker says it is "
                                   "not solved yet."),
    "closed": _l("Your question “%(title)s” was closed as a duplicate; its answers are on the original "
                 "question."),
    "answer_accepted": _l("Your answer on “%(title)s” was accepted. Thank you for helping!"),
    "mentioned": _l("You were mentioned on “%(title)s”."),
    "badge_awarded": _l("You earned the badge “%(badge)s”."),
    "reputation_milestone": _l("Your reputation reached %(milestone)s. Thank you for helping!"),
    "post_hidden": _l("A post of yours on “%(title)s” was hidden (%(reason)s)."),
    "user_sanctioned": _l("A moderator restricted your account (%(sanction)s)."),
    "assigned": _l("You were assigned “%(title)s”."),
    "department_escalated": _l("“%(title)s” was handed to your department."),
    "department_returned": _l("“%(title)s” came back from the department."),
    "staff_target_breached": _l("“%(title)s”, assigned to you, is past its staff target."),
    "not_solved": _l("The asker of “%(title)s” says it is not solved yet."),
    "announcement": _l("Peerdesk posted a service notice: “%(title)s”."),
}


def duration_text(minutes: int) -> str:
    """"2 hours", "1 day": the staff target in words, in the current language."""
    from datetime import timedelta

    from flask_babel import format_timedelta

    return format_timedelta(timedelta(minutes=minutes), threshold=1.0)


def variant_key(notice) -> str:
    """A kind's variant with its own wording: a followed thread's new status, an announcement's severity."""
    detail = notice.detail or {}
    return f"{notice.kind}_{detail.get('status') or detail.get('severity')}"


def headline(notice, title: str) -> str:
    """The opening sentence of a notification, in the current locale."""
    detail = notice.detail or {}
    kind = notice.kind
    if kind == "escalated" and detail.get("staff_minutes"):
        return str(HEADLINES["escalated_with_target"] % {"title": title,
                                                         "time": duration_text(detail["staff_minutes"])})
    template = HEADLINES.get(variant_key(notice)) or HEADLINES.get(kind, HEADLINES["followed_answer"])
    return str(template % {"title": title, "badge": detail.get("badge") or "", "reason": detail.get("reason") or "",
                           "sanction": detail.get("sanction") or "", "milestone": detail.get("milestone") or ""})


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail (no request here): PUBLIC_BASE_URL + the route."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


# --- signed links --------------------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"peerdesk-{salt}")


def unsubscribe_token(user_id: int, group: str, thread_id: int | None = None) -> str:
    """Unsubscribe links do not expire (RFC 8058 clients may use them weeks later); they only switch mail off."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="peerdesk-unsubscribe").dumps(
        {"u": user_id, "g": group, "t": thread_id})


def read_unsubscribe_token(token: str) -> dict | None:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="peerdesk-unsubscribe").loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("u"), int) else None


class LinkProblem(Exception):
    """A signed link that is tampered with, expired or already used; the message is shown to the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_signed(salt: str, token: str, max_age_seconds: int) -> dict:
    """The payload of a valid link (not yet marked used), else LinkProblem("invalid"/"expired"/"used")."""
    serializer = _serializer(salt)
    try:
        data, signed_at = serializer.loads(token, max_age=None, return_timestamp=True)
    except BadSignature as error:
        raise LinkProblem("invalid") from error
    age = (clock.now() - signed_at).total_seconds()
    if not isinstance(data, dict) or "j" not in data:
        raise LinkProblem("invalid")
    if age > max_age_seconds or age < -300:
        raise LinkProblem("expired")
    if db.session.get(UsedToken, data["j"]) is not None:
        raise LinkProblem("used")
    return data


def spend(token_id: str) -> None:
    """Mark a single-use link used in the current transaction; a second use (even at once) fails."""
    try:
        with db.session.begin_nested():
            db.session.add(UsedToken(token_id=token_id, used_at=clock.now()))
    except IntegrityError as error:
        raise LinkProblem("used") from error


def _timestamped(salt: str, payload: dict) -> str:
    """Sign with the application clock's time, so expiry follows app/clock.py in tests too."""
    serializer = _serializer(salt)
    signer = serializer.make_signer(serializer.salt)
    signer.get_timestamp = lambda: int(clock.now().timestamp())
    return signer.sign(serializer.dump_payload(payload)).decode()


def resolution_links(user_id: int, thread_id: int) -> dict[str, str]:
    """Yes/No links sharing one single-use id: answering one spends both."""
    token_id = secrets.token_urlsafe(16)
    return {choice: external_url("notifications.resolution_link", token=_timestamped(
        "resolution", {"u": user_id, "t": thread_id, "c": choice, "j": token_id})) for choice in ("yes", "no")}


def account_link(endpoint: str, salt: str, user: User, **extra) -> str:
    """A signed single-use link for account mails (password reset, e-mail confirmation)."""
    return external_url(endpoint, token=_timestamped(salt, {"u": user.id, "j": secrets.token_urlsafe(16), **extra}))


# --- queueing ------------------------------------------------------------------------------------------

def _message_id() -> str:
    domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "peerdesk.local"
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue(user: User, kind: str, dedupe_key: str, subject: str, template: str, **context) -> MailMessage | None:
    """Render `template` (.txt and .html) in the user's language and add it to the outbox; idempotent by key."""
    if db.session.scalar(select(MailMessage.id).where(MailMessage.dedupe_key == dedupe_key)) is not None:
        return None
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else "en"
    group = context.pop("unsubscribe_group", None)
    headers = {}
    unsubscribe = None
    if group:
        unsubscribe = external_url("notifications.unsubscribe", token=unsubscribe_token(
            user.id, group, context.get("unfollow_thread_id")))
        headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    with force_locale(locale):
        values = dict(user=user, unsubscribe_url=unsubscribe, base_url=current_app.config["PUBLIC_BASE_URL"],
                      **context)
        subject_text = str(subject)
        text_body = render_template(f"mail/{template}.txt", subject=subject_text, **values)
        html_body = render_template(f"mail/{template}.html", subject=subject_text, **values)
    message = MailMessage(message_id=_message_id(), dedupe_key=dedupe_key, user_id=user.id, to_address=user.email,
                          kind=kind, locale=locale, subject=subject_text[:300], text_body=text_body,
                          html_body=html_body, headers=headers or None, status="pending",
                          next_attempt_at=clock.now(), created_at=clock.now())
    db.session.add(message)
    return message


def notice_title(notice, thread: Thread | None) -> str:
    """The title a notification names: its thread's, or an announcement's (kept in its detail)."""
    return thread.title if thread is not None else (notice.detail or {}).get("title") or ""


def _content_html(notice) -> str | None:
    """The new content a mail quotes: the answer's or the announcement's stored, sanitised HTML."""
    if notice.kind == "announcement":
        announcement = db.session.get(Announcement, (notice.detail or {}).get("announcement_id") or 0)
        return announcement.body_html if announcement is not None else None
    answer = db.session.get(Answer, notice.answer_id) if notice.answer_id else None
    return answer.body_html if answer is not None and answer.visibility == "visible" else None


def queue_notice(user: User, notice, thread: Thread | None, event_id: int) -> MailMessage | None:
    """The mail for one notification, with the thread, the new content and the links it needs."""
    html = _content_html(notice)
    content = Markup(html) if html else None
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else "en"
    subject_key = variant_key(notice)
    with force_locale(locale):
        title = notice_title(notice, thread)
        subject = str(SUBJECTS.get(subject_key, SUBJECTS.get(notice.kind, SUBJECTS["followed_answer"]))
                      % {"title": title, "milestone": (notice.detail or {}).get("milestone") or ""})
        opening = headline(notice, title)
    context = {
        "notice": notice, "headline": opening, "thread": thread, "content": content,
        "content_text": html_to_text(html) if content else "",
        "thread_url": external_url("forum.thread", thread_id=thread.id) if thread is not None else None,
        "links": resolution_links(user.id, thread.id) if notice.kind == "resolution_check" and thread else None,
        "unsubscribe_group": kinds.GROUP_OF.get(notice.kind, "my_question_status"),
        "unfollow_thread_id": thread.id if notice.kind.startswith("followed_") and thread else None,
    }
    return queue(user, notice.kind, f"event:{event_id}:{user.id}:{notice.kind}", subject, "notification", **context)
