from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, RegistrationForm
from app.extensions import csrf, db, limiter, login_manager
from app.models import User
from app.request_limits import login_limit, write_limit
from app.services import accounts
from app.services.errors import ValidationFailed


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))


def _safe_next(default: str) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.netloc:
        return default
    return target


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(write_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = RegistrationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.register(accounts.Registration(
                form.username.data, form.email.data, form.password.data, locale=session.get("locale")))
        except ValidationFailed as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
            status = 400
        else:
            login_user(user)
            flash(_("Welcome to Peerdesk, %(name)s!", name=user.username), "success")
            return redirect(url_for("forum.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("forum.index")))
        form.password.errors = [_("Wrong username, e-mail or password.")]
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("forum.index"))


@bp.route("/language", methods=["POST"])
@csrf.exempt
def set_language():
    """Exempt from CSRF: a forged request can only switch the display language."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.set_locale(current_user, locale)
    return redirect(_safe_next(url_for("forum.index")))
