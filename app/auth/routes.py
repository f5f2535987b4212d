from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from app.auth import bp
from app.moderation import bot_trap
from app.auth.devices import device_label
from app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, RegistrationForm
from app.auth.next_url import local_path
from app.extensions import csrf, limiter, login_manager
from app.request_limits import login_limit, login_throttle, write_limit
from app.services import accounts
from app.services.errors import ValidationFailed


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_lifetimes() -> accounts.SessionLifetimes:
    config = current_app.config
    return accounts.SessionLifetimes(idle=timedelta(hours=config["LOGIN_SESSION_IDLE_HOURS"]),
                                     remembered=timedelta(seconds=config["REMEMBER_COOKIE_DURATION"]))


@login_manager.user_loader
def load_user(stored_id: str):
    """Called for the session cookie and the remember cookie alike: both name a login session."""
    return accounts.user_for_session(stored_id, session_lifetimes(), writing=request.method not in SAFE_METHODS)


@bp.before_app_request
def load_user_first():
    """Check the login session before the view writes anything, so a revoked one never acts."""
    if request.endpoint != "static":
        current_user._get_current_object()


def _safe_next(default: str) -> str:
    return local_path(request.args.get("next"), default)


def _log_in(user, remember: bool) -> None:
    accounts.start_session(user, remember=remember, lifetimes=session_lifetimes(),
                           user_agent=request.user_agent.string, ip_address=request.remote_addr or "")
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(write_limit, methods=["POST"])
def register():
    """Answers alike whether or not the e-mail address has an account (the owner is told instead)."""
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = RegistrationForm()
    status = 200
    trapped = bot_trap.refusal(request.form) if request.method == "POST" else None
    if trapped:
        flash(trapped, "error")
        status = 400
    elif form.validate_on_submit():
        try:
            accounts.sign_up(accounts.Registration(
                form.username.data, form.email.data, form.password.data, locale=session.get("locale")))
        except ValidationFailed as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
            status = 400
        else:
            flash(_("Thank you, %(name)s. Log in with your new username and password. If this e-mail address "
                    "already had an account, no new one was made: log in to that one instead.",
                    name=form.username.data.strip()), "success")
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("forum.index")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data, form.password.data, login_throttle())
        if user is not None:
            _log_in(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("forum.index")))
        form.password.errors = [_("Wrong username, e-mail or password.")]
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, next=_safe_next("")), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends this login session on the server too: a copied cookie or remember cookie stops working."""
    if current_user.is_authenticated:
        accounts.end_session(current_user)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("forum.index"))


@bp.route("/sessions")
@login_required
def sessions():
    return render_template("auth/sessions.html", logins=accounts.live_sessions(current_user),
                           tokens=accounts.live_tokens(current_user), current_session_id=_current_session_id(),
                           device_label=device_label)


def _current_session_id() -> int | None:
    return accounts.session_id_for_key(current_user, current_user.login_key)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id):
    ending_this_one = session_id == _current_session_id()
    if not accounts.end_session_by_id(current_user, session_id):
        abort(404)
    if ending_this_one:
        logout_user()
        flash(_("You are logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("The session was ended."), "success")
    return redirect(url_for("auth.sessions"))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    if not accounts.revoke_token_by_id(current_user, token_id):
        abort(404)
    flash(_("The API token was revoked."), "success")
    return redirect(url_for("auth.sessions"))


@bp.route("/sessions/end-all", methods=["POST"])
@login_required
def log_out_everywhere():
    accounts.log_out_everywhere(current_user)
    logout_user()
    flash(_("You are logged out on every device, and every API token is revoked."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password ends every other login and token; this browser gets a fresh session."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data)
        except ValidationFailed as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
            status = 400
        else:
            user = current_user._get_current_object()
            _log_in(user, remember=False)
            flash(_("Your password was changed. Every other session and API token was ended."), "success")
            return redirect(url_for("auth.sessions"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status


@bp.route("/language", methods=["POST"])
@csrf.exempt
def set_language():
    """A signed-in user's form carries the CSRF token: the choice is saved to their account.

    Anonymous pages carry no token, so they create no session and stay
    cacheable; for them the only effect is the display language of their own
    session, and a form posted from another site is refused by its origin.
    The global check is exempted because the form itself checks the token.
    """
    signed_in = current_user.is_authenticated
    if not signed_in and not _same_origin():
        abort(403)
    form = LanguageForm() if signed_in else LanguageForm(meta={"csrf": False})
    form.locale.choices = current_app.config["LANGUAGES"]
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            raise CSRFError(form.errors["csrf_token"][0])
        abort(400)
    session["locale"] = form.locale.data
    if signed_in:
        accounts.set_locale(current_user, form.locale.data)
    return redirect(_safe_next(url_for("forum.index")))


def _same_origin() -> bool:
    """Browsers send Origin (and Sec-Fetch-Site) with every form POST; only this site's own pass."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host
