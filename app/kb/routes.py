"""Pages of search and the knowledge base.

Views only read the index (through app.services.search); every change goes
through a service that writes a search-outbox row, and the indexer applies
it after the commit.
"""
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import input_guard, policy
from app.extensions import csrf, limiter
from app.kb import bp
from app.kb.forms import ArticleForm, DuplicateForm, thread_id_from
from app.kb.visitor import check_csrf, ensure_cookie, visitor_key
from app.models import ThreadStatus
from app.services import browsing, knowledge_base, posting
from app.services.browsing import paging_problems
from app.services import search as search_service
from app.services.errors import ServiceError, ValidationFailed

SEARCH_STATUSES = ("resolved", "answered", "unanswered", "closed")


@bp.route("/search")
@input_guard.cleans_its_own("q")
def search():
    try:
        query = search_service.parse_query(request.args)
    except ValidationFailed as error:
        return render_template("kb/search.html", query=None, results=None, errors=error.fields,
                               args=request.args, categories=browsing.categories(),
                               statuses=SEARCH_STATUSES), 400
    results = None
    if query.text.strip() or request.args.get("category") or request.args.get("tag") or query.status:
        found = search_service.search(query)
        results = {"page": browsing.Page(items=found.items, page=found.page, per_page=query.per_page,
                                         total=found.total),
                   "suggestion": found.suggestion}
    return render_template("kb/search.html", query=query, results=results, errors={}, args=request.args,
                           categories=browsing.categories(), statuses=SEARCH_STATUSES)


def _page_number() -> int:
    """Like every list: a page number that is not one (or is absurdly large) is a 400, never a driver overflow."""
    numbers, errors = paging_problems(request.args.get("page"), None, default_per_page=1)
    if errors:
        raise ValidationFailed(_("Invalid list parameters."), errors)
    return numbers["page"]


@bp.route("/kb")
def index():
    category = request.args.get("category") or None
    tag = (request.args.get("tag") or "").lower() or None
    page = knowledge_base.list_articles(category, tag, _page_number(), current_app.config["THREADS_PER_PAGE"])
    return render_template("kb/index.html", page=page, category=category, tag=tag,
                           categories=knowledge_base.categories_with_articles(),
                           tags=knowledge_base.popular_tags())


@bp.route("/kb/<int:thread_id>")
def article(thread_id):
    view = browsing.load_thread(thread_id)
    thread = view.thread
    if thread.status != ThreadStatus.RESOLVED.value:
        return redirect(url_for("forum.thread", thread_id=thread.id))
    knowledge_base.count_view(thread.id)
    accepted = next((answer for answer in view.answers if answer.id == thread.accepted_answer_id), None)
    others = [answer for answer in view.answers if answer is not accepted]
    response = make_response(render_template(
        "kb/article.html", view=view, thread=thread, accepted=accepted, others=others,
        my_rating=knowledge_base.helpful_vote_of(thread.id, visitor_key())))
    return ensure_cookie(response)


@bp.route("/kb/<int:thread_id>/helpful", methods=["POST"])
@csrf.exempt  # members: checked below; anonymous readers: the SameSite=Lax visitor cookie (app.kb.visitor)
@limiter.limit("30 per minute")
def helpful(thread_id):
    if current_user.is_authenticated:
        check_csrf()
    key = visitor_key()
    if key is None:
        # No cookie: a cross-site post, or cookies are off. Nothing to count it against.
        flash_or_skip(_("Please enable cookies to rate articles."))
        return redirect(url_for("kb.article", thread_id=thread_id, _anchor="helpful"), 303)
    answer = request.form.get("helpful")
    if answer not in ("yes", "no"):
        raise ValidationFailed(_("Answer yes or no."), {"helpful": _("Answer yes or no.")})
    thread = posting.visible_thread(thread_id)
    knowledge_base.record_helpful(thread, key, answer == "yes")
    return redirect(url_for("kb.article", thread_id=thread_id, _anchor="helpful"), 303)


def flash_or_skip(message: str) -> None:
    """Flash for members only: a flash would give an anonymous reader a session."""
    if current_user.is_authenticated:
        flash(message, "warning")


def _staff_only():
    policy.can_curate(current_user).enforce()


def _manage_page(thread_id: int, article_form=None, duplicate_form=None, status=200):
    view = browsing.load_thread(thread_id)
    thread = view.thread
    if article_form is None:
        article_form = ArticleForm(data={"title": thread.article_title or "", "summary": thread.article_summary or ""})
    return render_template("kb/manage.html", thread=thread, article_form=article_form,
                           duplicate_form=duplicate_form or DuplicateForm(),
                           canonical=knowledge_base.canonical_of(thread)), status


@bp.route("/kb/<int:thread_id>/manage")
@login_required
def manage(thread_id):
    _staff_only()
    return _manage_page(thread_id)


def _field_errors(form, error: ServiceError) -> None:
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
    flash(error.message, "error")


@bp.route("/kb/<int:thread_id>/promote", methods=["POST"])
@login_required
def promote(thread_id):
    _staff_only()
    thread = posting.visible_thread(thread_id)
    form = ArticleForm()
    if not form.validate_on_submit():
        return _manage_page(thread_id, article_form=form, status=400)
    try:
        knowledge_base.promote(current_user, thread, knowledge_base.ArticleDraft(form.title.data or "",
                                                                                 form.summary.data or ""))
    except ValidationFailed as error:
        _field_errors(form, error)
        return _manage_page(thread_id, article_form=form, status=error.status)
    flash(_("The article is saved.") if thread.article_title else _("The thread is no longer a curated article."),
          "success")
    return redirect(url_for("kb.article", thread_id=thread_id))


@bp.route("/kb/<int:thread_id>/duplicate", methods=["POST"])
@login_required
def close_duplicate(thread_id):
    _staff_only()
    thread = posting.visible_thread(thread_id)
    form = DuplicateForm()
    if not form.validate_on_submit():
        return _manage_page(thread_id, duplicate_form=form, status=400)
    canonical_id = thread_id_from(form.canonical.data)
    try:
        knowledge_base.close_as_duplicate(current_user, thread, canonical_id)
    except ValidationFailed as error:
        if not error.fields:
            error.fields = {"canonical": error.message}
        _field_errors(form, error)
        return _manage_page(thread_id, duplicate_form=form, status=error.status)
    flash(_("Closed as a duplicate. Its words now lead to the original question."), "success")
    return redirect(url_for("forum.thread", thread_id=thread_id))
