"""Limits read from the configuration at request time, shared by the pages and the API."""
import hashlib
import math
import time
from datetime import timedelta

from flask import current_app, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import MemoryStorage

from app.extensions import limiter
from app.services import posting
from app.services.login_throttle import LoginThrottle, ThrottlePolicy


def posting_limits() -> posting.Limits:
    config = current_app.config
    return posting.Limits(max_title=config["MAX_TITLE_CHARS"], max_body=config["MAX_BODY_CHARS"],
                          max_tags=config["MAX_TAGS"])


def write_limit() -> str:
    """The rate limit of every write (a callable, so tests and deployments can change it)."""
    return current_app.config["RATELIMIT_WRITE"]


def login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


#: Used when the rate limiter is switched off: the per-account login throttle never is.
_fallback_storage = MemoryStorage()


def login_throttle() -> LoginThrottle:
    """The per-account throttle of every login route, in the rate limiter's store (Redis when configured)."""
    config = current_app.config
    storage = limiter.storage if limiter.enabled else _fallback_storage
    return LoginThrottle(storage, ThrottlePolicy(
        free_attempts=config["LOGIN_THROTTLE_FREE_ATTEMPTS"],
        first_wait=timedelta(seconds=config["LOGIN_THROTTLE_FIRST_WAIT_SECONDS"]),
        longest_wait=timedelta(seconds=config["LOGIN_THROTTLE_LONGEST_WAIT_SECONDS"]),
        memory=timedelta(hours=config["LOGIN_THROTTLE_MEMORY_HOURS"])))


def write_limit_per_user() -> str:
    return current_app.config["RATELIMIT_WRITE_PER_USER"]


def credential_key() -> str:
    """Who is writing: the bearer token's digest or the signed-in user, else the address.

    The limiter runs before the view, so an API token is keyed by its digest
    (no query); a page's user is the one Flask-Login loads for the request
    anyway. A member behind a shared address and a client spreading over
    addresses are both held to their own budget.
    """
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "ip:" + get_remote_address()


def write_limited(view):
    """Every write: limited per client address (RATELIMIT_WRITE) and per user (RATELIMIT_WRITE_PER_USER).

    A refused request gets 429 with Retry-After (set by the 429 error handler).
    """
    limited = limiter.limit(write_limit, methods=["POST", "PUT", "PATCH", "DELETE"])(view)
    return limiter.limit(write_limit_per_user, key_func=credential_key,
                         methods=["POST", "PUT", "PATCH", "DELETE"])(limited)


#: What a refused request was trying to do, by view name (the part after the blueprint's dot).
LIMITED_ACTIONS = {
    **dict.fromkeys(("ask", "create_thread"), _l("Too many questions")),
    **dict.fromkeys(("answer", "create_answer"), _l("Too many answers")),
    **dict.fromkeys(("edit_thread", "edit_answer"), _l("Too many edits")),
    **dict.fromkeys(("vote_thread", "vote_answer", "helpful"), _l("Too many votes")),
    **dict.fromkeys(("accept", "unaccept"), _l("Too many acceptances")),
    **dict.fromkeys(("flag_thread", "flag_answer", "report_user"), _l("Too many flags and reports")),
    **dict.fromkeys(("login", "create_token"), _l("Too many login attempts")),
    "register": _l("Too many registrations"),
    **dict.fromkeys(("forgot_password", "reset_password", "resend_confirmation"), _l("Too many account e-mails")),
    "preview": _l("Too many previews"),
    **dict.fromkeys(("act", "answer_action", "thread_post_action", "lift", "delete_user",
                     "remove_watched_word", "mod_queue_act", "mod_sanction", "mod_lift", "lock_trust_level",
                     "trust_level_lock", "trust_level_unlock", "edit_item", "item_thread_action"),
                    _l("Too many moderator actions")),
}


def limit_refusal() -> tuple[str, int | None]:
    """The 429's sentence (what was limited, the limit, when to retry) and the Retry-After seconds.

    Read from the limit Flask-Limiter found exceeded for this request;
    without one (an unexpected 429) the sentence stays general.
    """
    current = limiter.current_limit
    if current is None:
        return _("Too many requests. Please wait a moment and try again."), None
    seconds = max(1, math.ceil(current.reset_at - time.time()))
    endpoint = (request.endpoint or "").rpartition(".")[2]
    what = LIMITED_ACTIONS.get(endpoint, _l("Too many writes"))
    item = current.limit
    message = _("%(what)s: at most %(amount)d in %(period)s. Nothing was saved; please try again %(wait)s.",
                what=what, amount=item.amount,
                period=format_timedelta(timedelta(seconds=item.get_expiry()), threshold=1),
                wait=format_timedelta(timedelta(seconds=seconds), threshold=1, add_direction=True))
    return message, seconds
