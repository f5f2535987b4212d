"""Pages of the account mails: forgot/reset password, confirm the e-mail address, and the confirmation gate.

Routes live in the notifications blueprint, beside the mail that links to
them, so the auth area's own routes stay untouched. With
EMAIL_CONFIRMATION=required an unconfirmed member can read and log out but
every other write answers with a page asking to confirm first.
"""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import events
from app.extensions import db, limiter
from app.models import User
from app.notifications import account_mail, mail
from app.notifications import bp
from app.request_limits import login_limit
from app.services import accounts

#: Writes an unconfirmed account may still make when confirmation is required.
OPEN_ENDPOINTS = frozenset({"auth.logout", "auth.login", "auth.set_language", "notifications.resend_confirmation",
                            "notifications.confirm_email", "notifications.forgot_password",
                            "notifications.reset_password", "notifications.unsubscribe",
                            "notifications.resolution_link"})


@bp.app_template_global()
def email_unconfirmed() -> bool:
    return (current_app.config["EMAIL_CONFIRMATION"] != "off" and current_user.is_authenticated
            and not account_mail.is_confirmed(current_user))


@bp.before_app_request
def require_confirmed_email():
    if (request.method in ("GET", "HEAD", "OPTIONS") or current_app.config["EMAIL_CONFIRMATION"] != "required"
            or request.endpoint in OPEN_ENDPOINTS or not current_user.is_authenticated
            or account_mail.is_confirmed(current_user)):
        return None
    return render_template("notifications/confirm_required.html"), 403


@bp.route("/account/password/forgot", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def forgot_password():
    if request.method == "POST":
        account_mail.send_password_reset(request.form.get("email", "")[:254])
        db.session.commit()
        return render_template("notifications/forgot_sent.html")
    return render_template("notifications/forgot.html")


@bp.route("/account/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password(token):
    max_age = current_app.config["PASSWORD_RESET_HOURS"] * 3600
    try:
        data = mail.read_signed("password-reset", token, max_age)
    except mail.LinkProblem as problem:
        return render_template("notifications/link_problem.html", reason=problem.reason), 410 if (
            problem.reason in ("expired", "used")) else 400
    user = db.session.get(User, data.get("u"))
    if user is None or data.get("h") != account_mail.password_fingerprint(user):
        return render_template("notifications/link_problem.html", reason="used"), 410
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        error = accounts.password_problem(password, user.username)
        if error is None and password != request.form.get("confirm", ""):
            error = _("The two passwords differ.")
        if error is None:
            try:
                mail.spend(data["j"])
            except mail.LinkProblem:
                db.session.rollback()
                return render_template("notifications/link_problem.html", reason="used"), 410
            user.set_password(password)
            accounts.end_all_sessions(user)
            events.announce("password_changed", user_id=user.id, actor_id=user.id, via="reset")
            db.session.commit()
            flash(_("Your password is set. Please log in with it."), "success")
            return redirect(url_for("auth.login"), code=303)
    return render_template("notifications/reset.html", token=token, error=error), 400 if error else 200


@bp.route("/account/confirm/<token>")
def confirm_email(token):
    max_age = current_app.config["EMAIL_CONFIRMATION_DAYS"] * 86400
    try:
        data = mail.read_signed("confirm-email", token, max_age)
        user = db.session.get(User, data.get("u"))
        if user is None or user.email != data.get("e"):
            raise mail.LinkProblem("invalid")
        mail.spend(data["j"])
    except mail.LinkProblem as problem:
        db.session.rollback()
        return render_template("notifications/link_problem.html", reason=problem.reason), 410 if (
            problem.reason in ("expired", "used")) else 400
    account_mail.confirm(user, user.email)
    db.session.commit()
    return render_template("notifications/confirmed.html")


@bp.route("/account/confirm/resend", methods=["POST"])
@login_required
@limiter.limit(login_limit)
def resend_confirmation():
    if not account_mail.is_confirmed(current_user):
        account_mail.send_confirmation(current_user._get_current_object())
        db.session.commit()
    flash(_("We sent you a new confirmation link."), "info")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("forum.index"), code=303)
