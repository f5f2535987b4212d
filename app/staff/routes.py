"""Pages of the staff area: the queue, thread hand-overs, notes, canned replies, metrics, admin settings.

Every route here is for staff (admin pages: admins); members get 403 and
visitors are sent to log in. Writes go through the services, which check
the role again, so the API and the pages share one rule.
"""
from datetime import timezone
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import policy
from app.extensions import db
from app.models import STAFF_ROLES, User
from app.services import (
    announcements,
    browsing,
    canned_replies,
    staff_admin,
    staff_notes,
    staff_queue,
    support_metrics_report,
)
from app.services.errors import Conflict, ServiceError
from app.staff import bp
from app.staff.forms import (
    AnnouncementForm,
    CannedReplyForm,
    CategorySlaForm,
    DepartmentEditForm,
    DepartmentForm,
    NoteForm,
    ReturnForm,
)


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        policy.can_use_staff_area(current_user).enforce()
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        policy.can_administer(current_user).enforce()
        return view(*args, **kwargs)

    return wrapper


def _back_to_thread(thread_id: int):
    return redirect(url_for("forum.thread", thread_id=thread_id, _anchor="staff-panel"), code=303)


def _handover(thread_id: int, action, success: str):
    """Run a hand-over; a lost race (Conflict) is told on the thread page, other errors are a 4xx page."""
    try:
        action()
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "warning")
        return _back_to_thread(thread_id)
    flash(success, "success")
    return _back_to_thread(thread_id)


def _form_errors(form, error: ServiceError) -> None:
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
    flash(error.message, "error")


# --- the queue ---------------------------------------------------------------------------------

@bp.route("/")
@staff_required
def queue():
    args = request.args
    flt = staff_queue.validate_filter(args.get("view"), args.get("category"), args.get("department"),
                                      args.get("page"), max_per_page=25)
    departments = staff_queue.all_departments()
    page = staff_queue.list_queue(flt, current_user, departments)
    return render_template("staff/queue.html", page=page, flt=flt, departments=departments,
                           categories=browsing.categories(), views=staff_queue.VIEWS)


# --- hand-overs on a thread --------------------------------------------------------------------

@bp.route("/threads/<int:thread_id>/claim", methods=["POST"])
@staff_required
def claim(thread_id):
    return _handover(thread_id, lambda: staff_queue.claim(current_user, thread_id),
                     _("You are now working on this question."))


@bp.route("/threads/<int:thread_id>/unclaim", methods=["POST"])
@staff_required
def unclaim(thread_id):
    return _handover(thread_id, lambda: staff_queue.unclaim(current_user, thread_id),
                     _("You released this question."))


@bp.route("/threads/<int:thread_id>/assign", methods=["POST"])
@staff_required
def assign(thread_id):
    assignee = request.form.get("assignee", "")
    return _handover(thread_id, lambda: staff_queue.assign(current_user, thread_id, assignee),
                     _("Assigned to %(user)s.", user=assignee))


@bp.route("/threads/<int:thread_id>/department", methods=["POST"])
@staff_required
def to_department(thread_id):
    form = DepartmentForm()
    return _handover(thread_id, lambda: staff_queue.escalate_to_department(
        current_user, thread_id, form.department.data, form.note.data), _("Handed to the department."))


@bp.route("/threads/<int:thread_id>/department/return", methods=["POST"])
@staff_required
def from_department(thread_id):
    form = ReturnForm()
    return _handover(thread_id, lambda: staff_queue.return_from_department(current_user, thread_id, form.note.data),
                     _("Handed back to the general queue."))


@bp.route("/threads/<int:thread_id>/notes", methods=["POST"])
@staff_required
def add_thread_note(thread_id):
    form = NoteForm()
    staff_notes.add_thread_note(current_user, thread_id, form.body.data or "")
    flash(_("Internal note added."), "success")
    return _back_to_thread(thread_id)


@bp.route("/customers/<int:user_id>/notes", methods=["POST"])
@staff_required
def add_customer_note(user_id):
    form = NoteForm()
    staff_notes.add_customer_note(current_user, user_id, form.body.data or "")
    flash(_("Note about the customer added."), "success")
    thread_id = request.form.get("thread_id", "")
    if thread_id.isdigit():
        return _back_to_thread(int(thread_id))
    return redirect(url_for("staff.queue"), code=303)


# --- canned replies ----------------------------------------------------------------------------

@bp.route("/canned-replies")
@staff_required
def canned_reply_list():
    return render_template("staff/canned_replies.html", replies=canned_replies.all_replies())


@bp.route("/canned-replies/new", methods=["GET", "POST"])
@bp.route("/canned-replies/<int:reply_id>/edit", methods=["GET", "POST"])
@staff_required
def canned_reply_edit(reply_id=None):
    reply = canned_replies.get(reply_id) if reply_id is not None else None
    form = CannedReplyForm(obj=reply if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            canned_replies.save(current_user, form.title.data, form.body.data, reply)
        except ServiceError as error:
            _form_errors(form, error)
            status = error.status
        else:
            flash(_("Canned reply saved."), "success")
            return redirect(url_for("staff.canned_reply_list"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("staff/canned_reply_form.html", form=form, reply=reply), status


@bp.route("/canned-replies/<int:reply_id>/delete", methods=["POST"])
@staff_required
def canned_reply_delete(reply_id):
    canned_replies.delete(current_user, canned_replies.get(reply_id))
    flash(_("Canned reply deleted."), "success")
    return redirect(url_for("staff.canned_reply_list"), code=303)


# --- metrics -----------------------------------------------------------------------------------

@bp.route("/metrics")
@staff_required
def metrics():
    args = request.args
    period = support_metrics_report.parse_period(args.get("from"), args.get("to"), args.get("category"))
    report = support_metrics_report.build_report(period)
    return render_template("staff/metrics.html", report=report, period=period,
                           chart=support_metrics_report.trend_chart(report), categories=browsing.categories())


# --- admin: announcements ----------------------------------------------------------------------

def _category_choices():
    return [SelectChoice(category.slug, category.name) for category in browsing.categories()]


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc) if moment is not None else None


@bp.route("/admin/announcements")
@admin_required
def announcement_list():
    return render_template("staff/announcements.html", items=announcements.all_announcements())


@bp.route("/admin/announcements/new", methods=["GET", "POST"])
@bp.route("/admin/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@admin_required
def announcement_edit(announcement_id=None):
    item = announcements.get(announcement_id) if announcement_id is not None else None
    form = AnnouncementForm()
    form.categories.choices = _category_choices()
    if request.method == "GET" and item is not None:
        form.title.data, form.body.data, form.severity.data = item.title, item.body_source, item.severity
        form.starts_at.data = item.starts_at.replace(tzinfo=None) if item.starts_at else None
        form.ends_at.data = item.ends_at.replace(tzinfo=None) if item.ends_at else None
        form.categories.data = [category.slug for category in item.categories]
    status = 200
    if form.validate_on_submit():
        draft = announcements.AnnouncementDraft(form.title.data, form.body.data, form.severity.data,
                                                _utc(form.starts_at.data), _utc(form.ends_at.data),
                                                tuple(form.categories.data or ()))
        try:
            announcements.save(current_user, draft, item)
        except ServiceError as error:
            _form_errors(form, error)
            status = error.status
        else:
            flash(_("Announcement saved."), "success")
            return redirect(url_for("staff.announcement_list"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("staff/announcement_form.html", form=form, item=item), status


@bp.route("/admin/announcements/<int:announcement_id>/delete", methods=["POST"])
@admin_required
def announcement_delete(announcement_id):
    announcements.delete(current_user, announcements.get(announcement_id))
    flash(_("Announcement removed."), "success")
    return redirect(url_for("staff.announcement_list"), code=303)


# --- admin: categories' SLA and departments ----------------------------------------------------

@bp.route("/admin/categories")
@admin_required
def category_list():
    return render_template("staff/categories.html", categories=browsing.categories())


@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category_edit(category_id):
    import json

    category = staff_admin.get_category(category_id)
    form = CategorySlaForm()
    if request.method == "GET":
        form.sla_minutes.data, form.staff_response_minutes.data = category.sla_minutes, category.staff_response_minutes
        form.business_hours.data = json.dumps(category.business_hours, indent=2) if category.business_hours else ""
    status = 200
    if form.validate_on_submit():
        try:
            staff_admin.update_category_sla(current_user, category, form.sla_minutes.data,
                                            form.staff_response_minutes.data, form.business_hours.data)
        except ServiceError as error:
            _form_errors(form, error)
            status = error.status
        else:
            flash(_("Saved. New questions in %(name)s use these windows.", name=category.name), "success")
            return redirect(url_for("staff.category_list"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("staff/category_form.html", form=form, category=category), status


@bp.route("/admin/departments")
@admin_required
def department_list():
    return render_template("staff/departments.html", departments=staff_queue.all_departments())


@bp.route("/admin/departments/new", methods=["GET", "POST"])
@bp.route("/admin/departments/<int:department_id>", methods=["GET", "POST"])
@admin_required
def department_edit(department_id=None):
    department = staff_admin.get_department(department_id) if department_id is not None else None
    form = DepartmentEditForm()
    staff_users = db.session.scalars(select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.username)).all()
    form.members.choices = [SelectChoice(str(user.id), user.username) for user in staff_users]
    if request.method == "GET" and department is not None:
        form.name.data, form.slug.data = department.name, department.slug
        form.members.data = [str(member.id) for member in department.members]
    status = 200
    if form.validate_on_submit():
        try:
            staff_admin.save_department(current_user, form.name.data, form.slug.data,
                                        [int(value) for value in form.members.data or []], department)
        except ServiceError as error:
            _form_errors(form, error)
            status = error.status
        else:
            flash(_("Department saved."), "success")
            return redirect(url_for("staff.department_list"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("staff/department_form.html", form=form, department=department), status
