"""Asking, answering and editing: the write side of the forum."""
import re
from datetime import timedelta
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import clock, events, policy
from app.domain.business_hours import BusinessHours, sla_due_at
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.markup import render_markdown
from app.models import Answer, Category, Tag, Thread, ThreadStatus, User, Visibility
from app.services import audit, moderation, screening, search_outbox, timeline
from app.services.errors import NotFound, TooLarge, ValidationFailed

TAG_PATTERN = re.compile(r"^\w[\w+#.-]{0,31}$")


@dataclass(frozen=True)
class Limits:
    max_title: int = 150
    max_body: int = 20000
    max_tags: int = 5


@dataclass(frozen=True)
class QuestionDraft:
    title: str
    body: str
    category: str
    tags: list[str] = field(default_factory=list)


def _check_body(body: str, limits: Limits, errors: dict) -> str:
    body = (body or "").strip()
    if len(body) > limits.max_body:
        raise TooLarge(_("The text is too long: %(n)d characters, at most %(max)d allowed.",
                         n=len(body), max=limits.max_body), {"body": _("Too long.")})
    if len(body) < 10:
        errors["body"] = _("Write at least 10 characters.")
    return body


def parse_tags(raw) -> list[str]:
    """Accept a list or a comma/space separated string; lower-case, unique, order kept."""
    if isinstance(raw, str):
        raw = re.split(r"[,\s]+", raw)
    tags: list[str] = []
    for item in raw or []:
        name = str(item).strip().lower().lstrip("#")
        if name and name not in tags:
            tags.append(name)
    return tags


def _validated_question(draft: QuestionDraft, limits: Limits) -> tuple[str, str, Category, list[str]]:
    errors: dict[str, str] = {}
    title = " ".join((draft.title or "").split())
    if len(title) < 8:
        errors["title"] = _("Write a title of at least 8 characters.")
    elif len(title) > limits.max_title:
        errors["title"] = _("Keep the title under %(max)d characters.", max=limits.max_title)
    body = _check_body(draft.body, limits, errors)
    category = db.session.scalar(select(Category).where(Category.slug == (draft.category or "")))
    if category is None:
        errors["category"] = _("Choose a category.")
    tags = parse_tags(draft.tags)
    if len(tags) > limits.max_tags:
        errors["tags"] = _("Use at most %(n)d tags.", n=limits.max_tags)
    elif any(not TAG_PATTERN.match(tag) for tag in tags):
        errors["tags"] = _("Tags use letters, digits and - + # . (up to 32 characters).")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    return title, body, category, tags


def _tags_named(names: list[str]) -> list[Tag]:
    """Existing tags plus new ones; a concurrent insert of the same name is retried."""
    if not names:
        return []
    found = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in found:
            try:
                with db.session.begin_nested():
                    tag = Tag(name=name)
                    db.session.add(tag)
                found[name] = tag
            except IntegrityError:
                found[name] = db.session.scalar(select(Tag).where(Tag.name == name))
    return [found[name] for name in names]


def compute_sla_due(category: Category, created_at):
    hours = BusinessHours.from_config(category.business_hours) if category.business_hours else None
    return sla_due_at(created_at, category.sla_minutes, hours)


def ask(author: User, draft: QuestionDraft, limits: Limits = Limits()) -> Thread:
    policy.can_ask(author).enforce()
    title, body, category, tag_names = _validated_question(draft, limits)
    now = clock.now()
    html = render_markdown(body)
    screened = screening.screen(author, f"{title}\n{body}\n{' '.join(tag_names)}", html, now)
    thread = Thread(
        title=title, body_source=body, body_html=html, category=category,
        author=author, created_at=now, last_activity_at=now, sla_due_at=compute_sla_due(category, now),
        status=ThreadStatus.UNANSWERED.value,
        visibility=Visibility.PENDING.value if screened.hold else Visibility.VISIBLE.value,
    )
    thread.tags = _tags_named(tag_names)
    db.session.add(thread)
    db.session.flush()
    if screened.hold:
        moderation.hold_for_review(thread)
    else:
        publish_question(thread, now)
    screening.remember(author, screened, now)
    if screened.flag_words:
        moderation.flag_automatically(thread, screened.flag_words)
    db.session.commit()
    return thread


def publish_question(thread: Thread, now) -> None:
    """What makes a question public: counted, on the timeline (its SLA clock starts), indexed.

    Runs when a question is posted, or when a moderator approves a held one:
    then its SLA clock starts at the approval, as if it had been asked then.
    """
    if thread.created_at != now:
        thread.sla_due_at = compute_sla_due(thread.category, now)
        thread.last_activity_at = now
    db.session.execute(update(Category).where(Category.id == thread.category_id)
                       .values(thread_count=Category.thread_count + 1))
    timeline.record(thread.id, EventKind.CREATED, thread.author_id, at=now)
    search_outbox.enqueue(thread.id)
    events.announce("asked", thread_id=thread.id, actor_id=thread.author_id, category_id=thread.category_id)


def edit_question(editor: User, thread: Thread, draft: QuestionDraft, limits: Limits = Limits()) -> Thread:
    policy.can_edit(editor, thread).enforce()
    title, body, category, tag_names = _validated_question(draft, limits)
    now = clock.now()
    html = render_markdown(body)
    screening.screen(editor, f"{title}\n{body}\n{' '.join(tag_names)}", html, now, new_post=False)
    before = {"title": thread.title, "body": thread.body_source} if policy.edit_is_audited(editor, thread) else None
    if category.id != thread.category_id and thread.visibility == Visibility.VISIBLE.value:
        db.session.execute(update(Category).where(Category.id == thread.category_id)
                           .values(thread_count=Category.thread_count - 1))
        db.session.execute(update(Category).where(Category.id == category.id)
                           .values(thread_count=Category.thread_count + 1))
    thread.title, thread.body_source, thread.body_html = title, body, html
    thread.category = category
    thread.tags = _tags_named(tag_names)
    thread.edited_at = now
    timeline.record(thread.id, EventKind.EDITED, editor.id, at=now)
    search_outbox.enqueue(thread.id)
    events.announce("edited", thread_id=thread.id, actor_id=editor.id)
    if before is not None:
        audit.record(editor, "post_edited", target_user_id=thread.author_id, thread_id=thread.id, before=before,
                     after={"title": title, "body": body})
    if thread.visibility == Visibility.HIDDEN.value and editor.id == thread.author_id:
        moderation.ask_for_review_again(thread)
    db.session.commit()
    return thread


def visible_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.visibility != Visibility.VISIBLE.value:
        raise NotFound(_("This question does not exist or was removed."))
    return thread


def thread_for(viewer: User | None, thread_id: int) -> Thread:
    """The thread if `viewer` may see it (held and hidden ones: their author and moderators)."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(_("This question does not exist or was removed."))
    policy.can_see_thread(viewer, thread).enforce()
    return thread


def answer_for(viewer: User | None, answer_id: int) -> Answer:
    """The answer if `viewer` may see it and its thread."""
    post = db.session.get(Answer, answer_id)
    if post is None:
        raise NotFound(_("This answer does not exist or was removed."))
    policy.can_see_answer(viewer, post).enforce()
    policy.can_see_thread(viewer, post.thread).enforce()
    return post


def visible_answer(answer_id: int) -> Answer:
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.visibility != Visibility.VISIBLE.value:
        raise NotFound(_("This answer does not exist or was removed."))
    return answer


def answer(author: User, thread: Thread, body: str, limits: Limits = Limits()) -> Answer:
    policy.can_answer(author, thread).enforce()
    errors: dict[str, str] = {}
    body = _check_body(body, limits, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    now = clock.now()
    html = render_markdown(body)
    screened = screening.screen(author, body, html, now)
    post = Answer(thread_id=thread.id, author_id=author.id, body_source=body, body_html=html,
                  is_staff=author.is_staff, created_at=now,
                  visibility=Visibility.PENDING.value if screened.hold else Visibility.VISIBLE.value)
    db.session.add(post)
    db.session.flush()
    if screened.hold:
        moderation.hold_for_review(post)
    else:
        publish_answer(thread, post, now)
    screening.remember(author, screened, now)
    if screened.flag_words:
        moderation.flag_automatically(post, screened.flag_words)
    db.session.commit()
    return post


def publish_answer(thread: Thread, post: Answer, now) -> None:
    """What makes an answer count: the thread's counters, status, staff loop, timeline and index.

    Runs when an answer is posted, or when a moderator approves a held one.
    """
    author = post.author
    thread.answer_count = Thread.answer_count + 1
    thread.last_activity_at = now
    from_other = author.id != thread.author_id
    if from_other:
        if thread.first_response_at is None:
            thread.first_response_at = now
        if thread.status == ThreadStatus.UNANSWERED.value:
            thread.status = ThreadStatus.ANSWERED.value
    db.session.flush()
    events.announce("answered", thread_id=thread.id, actor_id=author.id, answer_id=post.id, staff=post.is_staff,
                    asker_id=thread.author_id)
    if author.is_staff and from_other:
        if thread.first_staff_response_at is None:
            thread.first_staff_response_at = now
        thread.needs_staff = False
        thread.resolution_check_at = now
        from app.services import resolution_check  # the loop: "Did this solve your problem?"

        resolution_check.prompt_after_staff_answer(thread)
    timeline.record(thread.id, EventKind.ANSWERED, author.id, at=now,
                    detail={"answer_id": post.id, "staff": post.is_staff, "by_asker": not from_other})
    search_outbox.enqueue(thread.id)


def edit_answer(editor: User, post: Answer, body: str, limits: Limits = Limits()) -> Answer:
    policy.can_edit(editor, post).enforce()
    errors: dict[str, str] = {}
    body = _check_body(body, limits, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    now = clock.now()
    html = render_markdown(body)
    screening.screen(editor, body, html, now, new_post=False)
    if policy.edit_is_audited(editor, post):
        audit.record(editor, "post_edited", target_user_id=post.author_id, thread_id=post.thread_id,
                     answer_id=post.id, before={"body": post.body_source}, after={"body": body})
    post.body_source, post.body_html, post.edited_at = body, html, now
    timeline.record(post.thread_id, EventKind.EDITED, editor.id, at=now, detail={"answer_id": post.id})
    search_outbox.enqueue(post.thread_id)
    events.announce("edited", thread_id=post.thread_id, actor_id=editor.id, answer_id=post.id)
    if post.visibility == Visibility.HIDDEN.value and editor.id == post.author_id:
        moderation.ask_for_review_again(post)
    db.session.commit()
    return post
