"""The member side of closing the loop: notifications, the resolution check and "Ask staff".

A separate blueprint (mounted at the root) because these are for every
signed-in member, while everything under /staff is for staff only.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.notifications import service as notifications
from app.services import posting, resolution_check
from app.services.browsing import paging_problems
from app.services.errors import ValidationFailed
from app.staff.forms import ResolutionForm

notifications_bp = Blueprint("notifications", __name__)


def _page_number() -> int:
    numbers, errors = paging_problems(request.args.get("page"), None, default_per_page=1)
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return numbers["page"]


@notifications_bp.route("/notifications")
@login_required
def index():
    page = notifications.for_user(current_user.id, _page_number())
    return render_template("staff/notifications.html", page=page)


@notifications_bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    notifications.mark_all_read(current_user.id)
    return redirect(url_for("notifications.index"), code=303)


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
