"""A member's deletion request: anonymise the account, keep the posts.

Other customers' threads keep their answers, so posts stay and are credited
to "deleted user"; what identifies the person goes: username, e-mail,
password, language, staff notes about them and their login sessions and
tokens. Votes stay (scores and reputation stay exact); the account can never
log in again. Announced as `user_deleted` so other areas (notifications,
page cache) drop what they keep about the user.
"""
import secrets

from flask_babel import gettext as _
from sqlalchemy import delete

from app import clock, events
from app.extensions import db
from app.models import StaffNote, User
from app.services import accounts, audit
from app.services.errors import Conflict, NotAuthorised


def anonymise(user: User, *, password: str | None = None, actor: User | None = None) -> User:
    """Anonymise `user`: by themselves (password confirmed) or by an administrator (audited)."""
    if actor is None or actor.id == user.id:
        if password is None or not user.check_password(password):
            raise NotAuthorised(_("The password is not right; nothing was deleted."))
    elif not actor.is_admin:
        raise NotAuthorised(_("Only administrators can change this."))
    if user.deleted_at is not None:
        raise Conflict(_("This account was deleted."))
    if user.is_admin:
        raise NotAuthorised(_("An administrator account cannot be deleted this way."))
    accounts.end_all_sessions(user)
    db.session.execute(delete(StaffNote).where(StaffNote.customer_id == user.id))
    user.username = f"deleted-user-{user.id}"
    user.email = f"deleted-{user.id}@invalid.invalid"
    user.set_password(secrets.token_urlsafe(32))
    user.locale = None
    user.deleted_at = clock.now()
    if actor is not None and actor.id != user.id:
        audit.record(actor, "user_deleted", target_user_id=user.id)
    events.announce("user_deleted", actor_id=(actor or user).id, user_id=user.id)
    db.session.commit()
    return user
