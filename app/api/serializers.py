"""JSON shapes of the API; one function per resource so every endpoint agrees."""
from flask import url_for

from app import policy
from app.domain.trust import privileges_of
from app.models import Answer, Category, Thread, User


def iso(moment):
    return moment.isoformat() if moment else None


def category_json(category: Category) -> dict:
    return {"slug": category.slug, "name": category.name, "description": category.description,
            "sla_minutes": category.sla_minutes, "staff_response_minutes": category.staff_response_minutes,
            "thread_count": category.thread_count}


def thread_json(thread: Thread, *, with_body: bool = True) -> dict:
    data = {
        "id": thread.id, "title": thread.title, "status": thread.status, "category": thread.category.slug,
        "tags": [tag.name for tag in thread.tags], "author": thread.author.username,
        "created_at": iso(thread.created_at), "last_activity_at": iso(thread.last_activity_at),
        "edited_at": iso(thread.edited_at), "sla_due_at": iso(thread.sla_due_at), "score": thread.score,
        "answer_count": thread.answer_count, "accepted_answer_id": thread.accepted_answer_id,
        "visibility": thread.visibility, "hidden_reason": thread.hidden_reason,
        "locked": thread.is_locked, "pinned": thread.is_pinned,
        "url": url_for("forum.thread", thread_id=thread.id, _external=True),
    }
    if with_body:
        data["body_html"] = thread.body_html
    return data


def answer_json(answer: Answer, accepted_answer_id: int | None) -> dict:
    return {"id": answer.id, "body_html": answer.body_html, "author": answer.author.username,
            "is_staff": answer.is_staff, "score": answer.score, "created_at": iso(answer.created_at),
            "edited_at": iso(answer.edited_at), "is_accepted": answer.id == accepted_answer_id,
            "visibility": answer.visibility, "hidden_reason": answer.hidden_reason}


def user_json(user: User, *, private: bool = False) -> dict:
    data = {"username": user.username, "role": user.role, "reputation": user.reputation,
            "trust_level": user.trust_level, "privileges": privileges_of(policy.trust_level(user)),
            "member_since": iso(user.created_at),
            "url": url_for("forum.profile", username=user.username, _external=True)}
    if private:
        data["email"] = user.email
        data["locale"] = user.locale
    return data


def page_json(page, items: list) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page, "pages": page.pages, "total": page.total,
            "total_is_exact": getattr(page, "total_is_exact", True)}
