"""Member pages of notifications and mail, the closing of the loop, and the admin page of recent mail.

Thin views: parse, call the notifications service or the resolution-check
service, render. The e-mail links (unsubscribe, Yes/No) work without
logging in: the signed token is the proof, so they are CSRF-exempt POSTs
behind a GET page (a mail scanner following a link changes nothing).
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policy
from app.extensions import csrf, db
from app.models import MailMessage, User
from app.notifications import bp as notifications_bp
from app.notifications import kinds, mail
from app.notifications import service as notifications
from app.services import posting, resolution_check
from app.services.browsing import paging_problems
from app.services.errors import Conflict, ValidationFailed
from app.staff.forms import ResolutionForm


def _page_number() -> int:
    numbers, errors = paging_problems(request.args.get("page"), None, default_per_page=1)
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return numbers["page"]


@notifications_bp.route("/notifications")
@login_required
def index():
    page = notifications.for_user(current_user.id, _page_number())
    return render_template("notifications/list.html", page=page)


@notifications_bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    """Mark one notification (`id`) or all of them read."""
    raw = request.form.get("id", "")
    notifications.mark_read(current_user.id, [int(raw)] if raw.isdigit() and len(raw) < 10 else None)
    return redirect(url_for("notifications.index"), code=303)


@notifications_bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        for group in kinds.GROUPS:
            if group in kinds.STAFF_GROUPS and group not in request.form:
                continue
            channel = request.form.get(group)
            if channel not in kinds.CHANNELS:
                raise ValidationFailed(_("Choose how you want to hear about each kind."),
                                       {group: _("Choose one of the options.")})
            notifications.set_preference(current_user.id, group, channel)
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"), code=303)
    groups = {group: value for group, value in kinds.GROUPS.items()
              if group not in kinds.STAFF_GROUPS or policy.can_use_staff_area(current_user)}
    return render_template("notifications/preferences.html", groups=groups,
                           chosen=notifications.preferences(current_user.id))


@notifications_bp.route("/threads/<int:thread_id>/follow", methods=["POST"])
@login_required
def follow(thread_id):
    thread = posting.thread_for(current_user, thread_id)
    if request.form.get("follow") == "no":
        notifications.unfollow(current_user.id, thread.id)
        flash(_("You no longer follow this question."), "info")
    else:
        notifications.follow(current_user.id, thread.id)
        flash(_("You follow this question: new answers and status changes reach you."), "success")
    db.session.commit()
    return _to_thread(thread_id)


@notifications_bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """RFC 8058 one-click: a POST (from the mail client or the button here) switches the mail off."""
    data = mail.read_unsubscribe_token(token)
    user = db.session.get(User, data["u"]) if data else None
    group = data.get("g") if data else None
    if user is None or group not in kinds.GROUPS:
        abort(404)
    if request.method == "POST":
        if data.get("t"):
            notifications.unfollow(user.id, data["t"])
        else:
            current = notifications.preferences(user.id)[group]
            notifications.set_preference(user.id, group, kinds.APP if current != kinds.OFF else kinds.OFF)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", label=kinds.GROUPS[group][1],
                               unfollowed=bool(data.get("t")))
    return render_template("notifications/unsubscribe.html", token=token, label=kinds.GROUPS[group][1],
                           unfollow=bool(data.get("t")))


@notifications_bp.route("/notifications/resolution/<token>", methods=["GET", "POST"])
@csrf.exempt
def resolution_link(token):
    """"Yes, solved" / "No, still not solved" from the e-mail: same service as the page, no login needed."""
    max_age = current_app.config["RESOLUTION_LINK_DAYS"] * 86400
    try:
        data = mail.read_signed("resolution", token, max_age)
    except mail.LinkProblem as problem:
        return render_template("notifications/link_problem.html", reason=problem.reason), 410 if (
            problem.reason in ("expired", "used")) else 400
    asker = db.session.get(User, data.get("u"))
    thread = posting.thread_for(asker, data.get("t")) if asker is not None else None
    if thread is None or data.get("c") not in ("yes", "no"):
        abort(404)
    if request.method == "GET":
        return render_template("notifications/resolution_link.html", token=token, thread=thread, choice=data["c"])
    try:
        mail.spend(data["j"])
        if data["c"] == "yes":
            resolution_check.confirm_solved(asker, thread)
        else:
            resolution_check.report_not_solved(asker, thread, request.form.get("comment", ""))
    except mail.LinkProblem as problem:
        db.session.rollback()
        return render_template("notifications/link_problem.html", reason=problem.reason), 410
    except Conflict:
        db.session.rollback()
        return render_template("notifications/link_problem.html", reason="settled"), 409
    return render_template("notifications/resolution_done.html", thread=thread, choice=data["c"])


@notifications_bp.route("/staff/admin/mail")
@login_required
def recent_mail():
    """What would be (or was) sent: newest first, with status and attempts."""
    policy.can_administer(current_user).enforce()
    page = _page_number()
    rows = db.session.scalars(select(MailMessage).order_by(MailMessage.id.desc())
                              .limit(50).offset((page - 1) * 50)).all()
    return render_template("notifications/admin_mail.html", rows=rows, page=page,
                           smtp=current_app.config["MAIL_SERVER"], folder=current_app.config["MAIL_FILE_DIR"])


@notifications_bp.route("/staff/admin/mail/<int:message_id>")
@login_required
def show_mail(message_id):
    policy.can_administer(current_user).enforce()
    row = db.session.get(MailMessage, message_id) or abort(404)
    return render_template("notifications/admin_mail_message.html", row=row)


def _to_thread(thread_id: int):
    return redirect(url_for("forum.thread", thread_id=thread_id), code=303)


@notifications_bp.route("/threads/<int:thread_id>/resolution-check", methods=["POST"])
@login_required
def resolution_answer(thread_id):
    thread = posting.visible_thread(thread_id)
    choice = request.form.get("solved", "")
    if choice == "yes":
        answer_id = request.form.get("answer_id", "")
        resolution_check.confirm_solved(current_user, thread, int(answer_id) if answer_id.isdigit() else None)
        flash(_("Great, the question is marked as solved. Thank you!"), "success")
    elif choice == "no":
        form = ResolutionForm()
        resolution_check.report_not_solved(current_user, thread, form.comment.data or "")
        flash(_("Sorry it is not solved yet. Our staff will look at it with priority."), "info")
    else:
        raise ValidationFailed(_("Answer yes or no."), {"solved": _("Answer yes or no.")})
    return _to_thread(thread_id)


@notifications_bp.route("/threads/<int:thread_id>/ask-staff", methods=["POST"])
@login_required
def ask_staff(thread_id):
    outcome = resolution_check.ask_staff(current_user, posting.visible_thread(thread_id))
    if outcome == "escalated":
        flash(_("Our staff have been asked to help with this question."), "success")
    else:
        flash(_("Thank you. The asker has been asked whether staff should step in."), "success")
    return _to_thread(thread_id)


@notifications_bp.route("/threads/<int:thread_id>/staff-request", methods=["POST"])
@login_required
def staff_request_answer(thread_id):
    agree = request.form.get("agree", "")
    if agree not in ("yes", "no"):
        raise ValidationFailed(_("Answer yes or no."), {"agree": _("Answer yes or no.")})
    escalated = resolution_check.answer_staff_request(current_user, posting.visible_thread(thread_id), agree == "yes")
    flash(_("Our staff have been asked to help with this question.") if escalated
          else _("Understood; staff were not asked."), "info")
    return _to_thread(thread_id)
