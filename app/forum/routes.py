from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policy
from app.extensions import limiter
from app.request_limits import posting_limits, write_limited
from app.forum import bp
from app.forum.forms import AnswerForm, QuestionForm
from app.markup import render_markdown
from app.models import Visibility
from app.services import browsing, knowledge_base, people, posting, resolution, voting
from app.services.errors import ServiceError, TooLarge, ValidationFailed


def _list_filter():
    args = request.args
    return browsing.validate_filter(args.get("category"), args.get("tag"), args.get("status"), args.get("sort"),
                                    args.get("page"), default_per_page=current_app.config["THREADS_PER_PAGE"],
                                    max_per_page=current_app.config["THREADS_PER_PAGE"])


@bp.route("/")
def index():
    flt = _list_filter()
    return render_template("forum/index.html", page=browsing.list_threads(flt), flt=flt,
                           categories=browsing.categories())


@bp.route("/threads")
def threads():
    return index()


def _show_form_errors(form, error: ServiceError) -> None:
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
    flash(error.message, "error")


def _category_choices(form: QuestionForm) -> None:
    form.category.choices = [("", _("Choose a category"))] + [
        (category.slug, category.name) for category in browsing.categories()]


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@write_limited
def ask():
    form = QuestionForm()
    _category_choices(form)
    if request.method == "GET" and request.args.get("category"):
        form.category.data = request.args["category"]
    status = 200
    if form.validate_on_submit():
        draft = posting.QuestionDraft(form.title.data, form.body.data, form.category.data, form.tags.data)
        try:
            thread = posting.ask(current_user, draft, posting_limits())
        except (ValidationFailed, TooLarge) as error:
            _show_form_errors(form, error)
            status = error.status
        else:
            knowledge_base.record_posted_after_suggestions(request.form.get("suggestions_shown"), thread, current_user)
            if thread.visibility == Visibility.PENDING.value:
                flash(_("Your question waits for a moderator's review; it becomes public once approved."), "info")
            else:
                flash(_("Your question is posted. The community usually answers within hours."), "success")
            return redirect(url_for("forum.thread", thread_id=thread.id))
    elif request.method == "POST":
        status = 400
    return render_template("forum/ask.html", form=form, editing=None), status


@bp.route("/threads/<int:thread_id>")
def thread(thread_id):
    if not current_user.is_authenticated:
        view = browsing.read_thread(thread_id)
        return render_template("forum/thread.html", view=view, thread=view.thread, can_accept=False)
    # Staff get the entity: their panel follows the thread's relations (assignee, author, department).
    load = browsing.load_thread if policy.is_staff(current_user) else browsing.read_thread
    view = load(thread_id, current_user)
    return render_template("forum/thread.html", view=view, thread=view.thread, answer_form=AnswerForm(),
                           can_accept=resolution.can_accept(current_user, view.thread))


@bp.route("/threads/<int:thread_id>/edit", methods=["GET", "POST"])
@login_required
@write_limited
def edit_thread(thread_id):
    thread = posting.thread_for(current_user, thread_id)
    policy.can_edit(current_user, thread).enforce()
    form = QuestionForm(obj=None if request.method == "POST" else thread)
    _category_choices(form)
    if request.method == "GET":
        form.category.data = thread.category.slug
        form.tags.data = ", ".join(tag.name for tag in thread.tags)
        form.body.data = thread.body_source
    status = 200
    if form.validate_on_submit():
        draft = posting.QuestionDraft(form.title.data, form.body.data, form.category.data, form.tags.data)
        try:
            posting.edit_question(current_user, thread, draft, posting_limits())
        except (ValidationFailed, TooLarge) as error:
            _show_form_errors(form, error)
            status = error.status
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("forum.thread", thread_id=thread.id))
    elif request.method == "POST":
        status = 400
    return render_template("forum/ask.html", form=form, editing=thread), status


@bp.route("/threads/<int:thread_id>/answers", methods=["POST"])
@login_required
@write_limited
def answer(thread_id):
    thread = posting.visible_thread(thread_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            post = posting.answer(current_user, thread, form.body.data, posting_limits())
        except (ValidationFailed, TooLarge) as error:
            _show_form_errors(form, error)
            return _thread_with_answer_form(thread_id, form), error.status
        if post.visibility == Visibility.PENDING.value:
            flash(_("Your answer waits for a moderator's review; it becomes public once approved."), "info")
        else:
            flash(_("Thank you for helping!"), "success")
        return redirect(url_for("forum.thread", thread_id=thread.id, _anchor=f"answer-{post.id}"))
    return _thread_with_answer_form(thread_id, form), 400


def _thread_with_answer_form(thread_id: int, form: AnswerForm):
    """Re-render the thread with the rejected answer in the editor, so nothing typed is lost."""
    view = browsing.load_thread(thread_id, current_user)
    return render_template("forum/thread.html", view=view, thread=view.thread, answer_form=form,
                           can_accept=resolution.can_accept(current_user, view.thread))


@bp.route("/answers/<int:answer_id>/edit", methods=["GET", "POST"])
@login_required
@write_limited
def edit_answer(answer_id):
    post = posting.answer_for(current_user, answer_id)
    policy.can_edit(current_user, post).enforce()
    form = AnswerForm()
    if request.method == "GET":
        form.body.data = post.body_source
    status = 200
    if form.validate_on_submit():
        try:
            posting.edit_answer(current_user, post, form.body.data, posting_limits())
        except (ValidationFailed, TooLarge) as error:
            _show_form_errors(form, error)
            status = error.status
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("forum.thread", thread_id=post.thread_id, _anchor=f"answer-{post.id}"))
    elif request.method == "POST":
        status = 400
    return render_template("forum/edit_answer.html", form=form, post=post), status


def _vote_value():
    try:
        return int(request.form.get("value", ""))
    except ValueError:
        return None


@bp.route("/threads/<int:thread_id>/vote", methods=["POST"])
@login_required
@write_limited
def vote_thread(thread_id):
    voting.vote_thread(current_user, posting.visible_thread(thread_id), _vote_value())
    return redirect(url_for("forum.thread", thread_id=thread_id))


@bp.route("/answers/<int:answer_id>/vote", methods=["POST"])
@login_required
@write_limited
def vote_answer(answer_id):
    post = posting.visible_answer(answer_id)
    voting.vote_answer(current_user, post, _vote_value())
    return redirect(url_for("forum.thread", thread_id=post.thread_id, _anchor=f"answer-{post.id}"))


@bp.route("/threads/<int:thread_id>/accept", methods=["POST"])
@login_required
@write_limited
def accept(thread_id):
    thread = posting.visible_thread(thread_id)
    answer_id = request.form.get("answer_id", "")
    resolution.accept(current_user, thread, int(answer_id) if answer_id.isdigit() else None)
    flash(_("Marked as solved. Thank you for closing the loop!"), "success")
    return redirect(url_for("forum.thread", thread_id=thread_id))


@bp.route("/threads/<int:thread_id>/unaccept", methods=["POST"])
@login_required
@write_limited
def unaccept(thread_id):
    resolution.unaccept(current_user, posting.visible_thread(thread_id))
    flash(_("The question is open again."), "info")
    return redirect(url_for("forum.thread", thread_id=thread_id))


@bp.route("/preview", methods=["POST"])
@login_required
@limiter.limit("60 per minute")
def preview():
    source = request.form.get("body", "")
    if len(source) > current_app.config["MAX_BODY_CHARS"]:
        return jsonify({"error": {"code": "payload_too_large", "message": _("The text is too long.")}}), 413
    return jsonify({"html": render_markdown(source)})


@bp.route("/users/<username>")
def profile(username):
    forum_profile = browsing.profile(username)
    return render_template("forum/profile.html", profile=forum_profile, standing=people.profile(forum_profile.user))
