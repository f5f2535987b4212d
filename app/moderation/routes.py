"""Pages of the moderation area: flagging, the review queue, post and thread actions, sanctions,
the audit log, watched words and house rules. Thin: parse, ask the service (which asks the policy), redirect.
"""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app import policy
from app.moderation import bot_trap, bp
from app.moderation.forms import (DeleteAccountForm, FlagForm, HouseRulesForm, ReasonForm, ReportForm, SanctionForm,
                                  WatchedWordForm)
from app.request_limits import write_limited
from app.request_limits import posting_limits
from app.services import (account_deletion, audit, browsing, house_rules, moderation, posting, sanctions, trust,
                          user_reports)
from app.services.errors import Conflict, NotAuthorised, NotFound, ServiceError, ValidationFailed


def _to_thread(thread_id: int, anchor: str | None = None):
    return redirect(url_for("forum.thread", thread_id=thread_id, _anchor=anchor), code=303)


def _moderator():
    policy.can_moderate(current_user).enforce()
    return current_user


@bp.app_context_processor
def review_queue_count():
    """`review_count()` for the navigation: queried only when a moderator's page asks for it."""
    return {"review_count": moderation.open_count, "policy": policy, "flag_reasons": moderation.FLAG_REASON_LABELS,
            "bot_trap": bot_trap, "report_reasons": user_reports.REASON_LABELS, "trust_labels": trust.LEVEL_LABELS}


# --- flags ----------------------------------------------------------------------------------------

def _flag(post, thread_id: int, anchor: str | None):
    form = FlagForm()
    form.validate()
    try:
        moderation.flag(current_user, post, moderation.FlagRequest(form.reason.data or "", form.text.data or ""))
    except (Conflict, ValidationFailed) as error:
        flash(error.message, "warning")
    else:
        flash(_("Thank you. The moderators will look at it."), "success")
    return _to_thread(thread_id, anchor)


@bp.route("/threads/<int:thread_id>/flag", methods=["POST"])
@login_required
@write_limited
def flag_thread(thread_id):
    return _flag(posting.thread_for(current_user, thread_id), thread_id, None)


@bp.route("/answers/<int:answer_id>/flag", methods=["POST"])
@login_required
@write_limited
def flag_answer(answer_id):
    post = posting.answer_for(current_user, answer_id)
    return _flag(post, post.thread_id, f"answer-{post.id}")


# --- the review queue -----------------------------------------------------------------------------

@bp.route("/mod/")
@login_required
def queue():
    page = moderation.queue(_moderator(), request.args.get("page"))
    categories = browsing.categories()
    return render_template("moderation/queue.html", page=page, reason_form=ReasonForm(),
                           labels=moderation.FLAG_REASON_LABELS, categories=categories,
                           category_names={category.id: category.name for category in categories})


def _days(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 6 else None


def _back_to_queue():
    page = request.args.get("page")
    return redirect(url_for("moderation.queue", page=page if page and page.isdigit() else None), code=303)


def _done(action) -> None:
    """Run a queue action; a lost race or a refused input is a message on the queue, not an error page."""
    try:
        action()
    except (Conflict, ValidationFailed) as error:
        details = " ".join(str(message) for message in error.fields.values()) if error.fields else ""
        flash(f"{error.message} {details}".strip(), "warning")
    else:
        flash(_("Done."), "success")


@bp.route("/mod/items/<int:item_id>", methods=["POST"])
@login_required
@write_limited
def act(item_id):
    form = ReasonForm()
    action = request.form.get("action", "")
    actor = _moderator()
    _done(lambda: moderation.act(actor, item_id, action, form.reason.data or "", _days(request.form.get("days"))))
    return _back_to_queue()


@bp.route("/mod/items/<int:item_id>/edit", methods=["POST"])
@login_required
@write_limited
def edit_item(item_id):
    """Fix a flagged or held post's text from the queue; the item stays open for the decision."""
    actor = _moderator()
    form = request.form
    title = form.get("title") if "title" in form else None
    _done(lambda: moderation.edit_post(actor, item_id, title, form.get("body", ""), posting_limits()))
    return _back_to_queue()


@bp.route("/mod/items/<int:item_id>/thread", methods=["POST"])
@login_required
@write_limited
def item_thread_action(item_id):
    """Lock, close (off-topic or as a duplicate), reopen, pin or move the thread of a queue item."""
    actor = _moderator()
    form = request.form
    duplicate_of = _days(form.get("duplicate_of"))
    _done(lambda: moderation.thread_action(actor, moderation.thread_of_item(item_id), form.get("action", ""),
                                           form.get("reason", ""), form.get("category"), duplicate_of))
    return _back_to_queue()


# --- actions from the thread page -----------------------------------------------------------------

POST_ACTIONS = {"approve": moderation.approve, "hide": moderation.hide, "delete": moderation.delete,
                "restore": moderation.restore}


def _post_action(post, thread_id: int, action: str, anchor: str | None):
    if action not in POST_ACTIONS:
        raise NotFound(_("Page not found."))
    try:
        POST_ACTIONS[action](_moderator(), post, ReasonForm().reason.data or "")
    except Conflict as error:
        flash(error.message, "warning")
    else:
        flash(_("Done."), "success")
    return _to_thread(thread_id, anchor)


@bp.route("/mod/threads/<int:thread_id>/<action>", methods=["POST"])
@login_required
@write_limited
def thread_post_action(thread_id, action):
    _moderator()
    thread = posting.thread_for(current_user, thread_id)
    if action in moderation.THREAD_ACTIONS:
        try:
            moderation.thread_action(current_user, thread, action, request.form.get("reason", ""),
                                     request.form.get("category"))
        except Conflict as error:
            flash(error.message, "warning")
        return _to_thread(thread_id)
    return _post_action(thread, thread_id, action, None)


@bp.route("/mod/answers/<int:answer_id>/<action>", methods=["POST"])
@login_required
@write_limited
def answer_action(answer_id, action):
    _moderator()
    post = posting.answer_for(current_user, answer_id)
    return _post_action(post, post.thread_id, action, f"answer-{post.id}")


# --- reports on members and their trust level -----------------------------------------------------

@bp.route("/users/<username>/report", methods=["POST"])
@login_required
@write_limited
def report_user(username):
    member = browsing.user_by_name(username)
    form = ReportForm()
    form.validate()
    try:
        user_reports.report(current_user, member, user_reports.ReportRequest(form.reason.data or "",
                                                                             form.text.data or ""))
    except (Conflict, ValidationFailed) as error:
        details = " ".join(str(message) for message in error.fields.values()) if error.fields else ""
        flash(f"{error.message} {details}".strip(), "warning")
    else:
        flash(_("Thank you. The moderators will look at it."), "success")
    return redirect(url_for("forum.profile", username=member.username), code=303)


@bp.route("/users/<username>/trust-level", methods=["POST"])
@login_required
@write_limited
def lock_trust_level(username):
    """Staff pin a member's trust level, or unlock it (then it is computed again); audited."""
    policy.can_lock_trust_level(current_user).enforce()
    member = browsing.user_by_name(username)
    raw = request.form.get("level", "")
    level = None if "unlock" in request.form else (int(raw) if raw.isdigit() and len(raw) == 1 else -1)
    try:
        trust.lock_level(current_user, member, level)
    except ValidationFailed as error:
        flash(" ".join(str(message) for message in error.fields.values()) or error.message, "warning")
    else:
        flash(_("The trust level is locked.") if level is not None else _("The trust level is computed again."),
              "success")
    return redirect(url_for("forum.profile", username=member.username), code=303)


# --- sanctions ------------------------------------------------------------------------------------

@bp.route("/mod/users/<username>", methods=["GET", "POST"])
@login_required
def user(username):
    actor = _moderator()
    member = browsing.user_by_name(username)
    form = SanctionForm()
    status = 200
    if form.validate_on_submit():
        try:
            sanctions.sanction(actor, member, sanctions.SanctionRequest(form.kind.data, form.reason.data,
                                                                         form.days.data))
        except ServiceError as error:
            if error.status == 403:
                raise
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("The sanction is in force."), "success")
            return redirect(url_for("moderation.user", username=member.username), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("moderation/user.html", member=member, form=form, history=sanctions.history(member),
                           may_sanction=policy.can_sanction(actor, member)), status


@bp.route("/mod/users/<username>/lift", methods=["POST"])
@login_required
@write_limited
def lift(username):
    actor = _moderator()
    member = browsing.user_by_name(username)
    try:
        sanctions.lift(actor, member, ReasonForm().reason.data or "")
    except Conflict as error:
        flash(error.message, "warning")
    else:
        flash(_("The sanction is lifted."), "success")
    return redirect(url_for("moderation.user", username=member.username), code=303)


# --- deleting one's own account ------------------------------------------------------------------

@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@write_limited
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            account_deletion.anonymise(current_user, password=form.password.data)
        except NotAuthorised as error:
            form.password.errors = [error.message]
        else:
            logout_user()
            flash(_("Your account is deleted. Your posts stay, credited to “deleted user”."), "info")
            return redirect(url_for("forum.index"), code=303)
    return render_template("moderation/delete_account.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/mod/users/<username>/delete", methods=["POST"])
@login_required
@write_limited
def delete_user(username):
    policy.can_administer(current_user).enforce()
    member = browsing.user_by_name(username)
    account_deletion.anonymise(member, actor=current_user)
    flash(_("The account is anonymised."), "success")
    return redirect(url_for("moderation.audit_log"), code=303)


# --- audit log ------------------------------------------------------------------------------------

@bp.route("/mod/audit")
@login_required
def audit_log():
    args = request.args
    flt = audit.validate_filter(args.get("moderator"), args.get("user"), args.get("action"), args.get("page"))
    return render_template("moderation/audit.html", page=audit.entries(current_user, flt), flt=flt)


# --- watched words and house rules (admins) -------------------------------------------------------

@bp.route("/mod/watched-words", methods=["GET", "POST"])
@login_required
def watched_words():
    policy.can_administer(current_user).enforce()
    form = WatchedWordForm()
    status = 200
    if form.validate_on_submit():
        try:
            house_rules.add_watched_word(current_user, form.pattern.data, form.mode.data, form.is_regex.data,
                                         form.message.data or "")
        except ServiceError as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("The word is watched now."), "success")
            return redirect(url_for("moderation.watched_words"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("moderation/watched_words.html", form=form, words=house_rules.watched_words()), status


@bp.route("/mod/watched-words/<int:word_id>/delete", methods=["POST"])
@login_required
@write_limited
def remove_watched_word(word_id):
    house_rules.remove_watched_word(current_user, word_id)
    flash(_("The word is no longer watched."), "success")
    return redirect(url_for("moderation.watched_words"), code=303)


@bp.route("/house-rules")
def rules():
    return render_template("moderation/house_rules.html", rules=house_rules.rules(str(get_locale())))


@bp.route("/mod/house-rules/<locale>", methods=["GET", "POST"])
@login_required
def edit_rules(locale):
    policy.can_administer(current_user).enforce()
    languages = current_app.config["LANGUAGES"]
    if locale not in languages:
        raise NotFound(_("Page not found."))
    form = HouseRulesForm()
    if request.method == "GET":
        existing = house_rules.rules(locale)
        form.body.data = existing.body_source if existing and existing.locale == locale else ""
    if form.validate_on_submit():
        house_rules.save_rules(current_user, locale, form.body.data or "", languages)
        flash(_("The house rules are saved."), "success")
        return redirect(url_for("moderation.rules"), code=303)
    return render_template("moderation/edit_rules.html", form=form, locale=locale, languages=languages)
