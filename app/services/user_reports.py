"""Reports on members: what a member does when the problem is a person, not one post.

All open reports on a member gather in one review item (`ReviewItem.open_key`
= "u:<id>", unique, so concurrent reporters create exactly one). A
moderator dismisses the item or sanctions the member through the sanctions
service (warn, silence, suspend, ban) in the same transaction that closes
it; like flags, each resolved report counts toward its reporter's flag
accuracy (app.services.trust follows `user_report_resolved`).
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import clock, events, policy
from app.extensions import db
from app.models import ReviewItem, ReviewKind, User, UserReport, UserReportReason, user_key
from app.services import audit, sanctions
from app.services.errors import Conflict, NotFound, ValidationFailed

MAX_TEXT = 500
REASON_LABELS = {
    UserReportReason.SPAM.value: _l("Spam or advertising"),
    UserReportReason.ABUSE.value: _l("Harassment or abuse"),
    UserReportReason.IMPERSONATION.value: _l("Impersonation"),
    UserReportReason.OTHER.value: _l("Other"),
}
#: What a moderator can do with an item of reports: dismiss it, or sanction the member.
ACTIONS = ("dismiss", *sanctions.KINDS)


@dataclass(frozen=True)
class ReportRequest:
    reason: str
    text: str = ""


def _validated(request: ReportRequest) -> tuple[str, str]:
    from app.services.moderation import checked_reason

    return checked_reason(request.reason, request.text, REASON_LABELS,
                          _("Choose spam, abuse, impersonation or other."), MAX_TEXT)


def _open_item(subject: User) -> ReviewItem:
    """The member's open item of reports, created when there is none (safe when reporters race)."""
    key = user_key(subject.id)
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == key))
    if item is not None:
        return item
    try:
        with db.session.begin_nested():
            item = ReviewItem(kind=ReviewKind.USER_REPORT.value, subject_user_id=subject.id, open_key=key,
                              created_at=clock.now())
            db.session.add(item)
    except IntegrityError:
        item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == key))
    return item


def report(reporter: User, subject: User, request: ReportRequest) -> UserReport:
    """Report a member once per open item; the moderators see every report on them together."""
    policy.can_report_user(reporter, subject).enforce()
    reason, text = _validated(request)
    item = _open_item(subject)
    row = UserReport(reporter_id=reporter.id, subject_user_id=subject.id, review_item_id=item.id, reason=reason,
                     text=text, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("You reported this member already; the moderators will look at it.")) from error
    events.announce("user_reported", actor_id=reporter.id, user_id=subject.id, report_id=row.id,
                    review_item_id=item.id)
    db.session.commit()
    return row


def _settle(actor: User, item: ReviewItem, upheld: bool, resolution: str) -> None:
    """Close the item and its reports; each reporter's accuracy moves; announce `user_report_resolved`."""
    now = clock.now()
    reports = [one for one in item.reports if one.upheld is None]
    for one in reports:
        one.upheld = upheld
    item.status, item.open_key, item.resolved_at, item.resolved_by_id = "resolved", None, now, actor.id
    item.resolution = resolution
    reporter_ids = sorted({one.reporter_id for one in reports})
    if reporter_ids:
        column = User.flags_upheld if upheld else User.flags_dismissed
        db.session.execute(update(User).where(User.id.in_(reporter_ids)).values({column: column + 1})
                           .execution_options(synchronize_session=False))
    events.announce("user_report_resolved", actor_id=actor.id, user_id=item.subject_user_id,
                    review_item_id=item.id, report_ids=[one.id for one in reports], reporter_ids=reporter_ids,
                    upheld=upheld, resolution=resolution)


def resolve(actor: User, item: ReviewItem, action: str, reason: str = "", days=None) -> ReviewItem:
    """Dismiss the reports, or sanction the member (the sanctions service's rules and reason apply)."""
    policy.can_moderate(actor).enforce()
    if action not in ACTIONS:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"action": _("Use dismiss, warn, silence, suspend or ban.")})
    subject = db.session.get(User, item.subject_user_id) if item.subject_user_id else None
    if subject is None:
        raise NotFound(_("This member no longer exists."))
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if action == "dismiss":
        if len(reason) > MAX_TEXT:
            raise ValidationFailed(_("Please correct the marked fields."),
                                   {"reason": _("Keep it under %(max)d characters.", max=MAX_TEXT)})
        _settle(actor, item, upheld=False, resolution=action)
        audit.record(actor, "user_report_dismissed", target_user_id=subject.id, reason=reason)
        db.session.commit()
        return item
    try:
        _settle(actor, item, upheld=True, resolution=action)
        sanctions.sanction(actor, subject, sanctions.SanctionRequest(action, reason, days))   # commits both
    except Exception:
        db.session.rollback()
        raise
    return item
