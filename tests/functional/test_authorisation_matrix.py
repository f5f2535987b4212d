"""The authorisation matrix: every route and API endpoint × every kind of user → the expected outcome.

The routes come from the app's URL map, so a route added without an entry
here fails `test_every_route_has_an_entry`. Each entry names the URL to call
(with the world's ids) and a rule saying, for each persona, whether the
request gets past authorisation (OK: any answer but 401/403/404, including a
400 for the deliberately empty body), must log in first (LOGIN: 401 from the
API, a redirect to the login page from pages), is refused (FORBIDDEN, 403)
or must not learn the object exists (MISSING, 404). Bodies are empty or
invalid on purpose, so an allowed write stops at validation and the world
stays the same for the next persona; routes that end the persona's own
session run last, with a fresh login.

Personas: a visitor; a member (level 1) who owns the thread and the answer;
another member (level 1); a new member (level 0) who owns a held question;
a leader (level 3); staff; a moderator; an admin; a suspended member and a
banned member, both signed in (page session and API token) before the
sanction, so the sanction's refusal of existing sessions is tested too.
"""
import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Announcement, CannedReply, Category, Department, Notification, User, WatchedWord
from app.services import moderation, sanctions, staff_notes

OK, LOGIN, FORBIDDEN, MISSING = "ok", "login", "forbidden", "missing"
PERSONAS = ("anonymous", "member", "other", "new", "leader", "staff", "moderator", "admin", "suspended", "banned")
SIGNED_OUT = {"anonymous", "suspended", "banned"}
STAFF = {"staff", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}


# --- rules: persona -> expected category ------------------------------------------------------------

def public(_persona):
    return OK


def signed_in(persona):
    return LOGIN if persona in SIGNED_OUT else OK


def only(allowed: set, granted=OK):
    """Signed-in personas in `allowed` get `granted` (MISSING for an id that does not exist); others 403."""
    def rule(persona):
        if persona in SIGNED_OUT:
            return LOGIN
        return granted if persona in allowed else FORBIDDEN
    return rule


def public_api(persona):
    """Open to visitors; a revoked token (suspended, banned) is still a 401, never silently anonymous."""
    return LOGIN if persona in {"suspended", "banned"} else OK


def nobody(_persona):
    return LOGIN


def nowhere(_persona):
    """A forged signed link names nothing: 404 for everyone."""
    return MISSING


def but_not(refused: set, status=FORBIDDEN):
    """Signed-in users except `refused` (e.g. the author voting on their own post)."""
    def rule(persona):
        if persona in SIGNED_OUT:
            return LOGIN
        return status if persona in refused else OK
    return rule


def sees(allowed: set, signed_out=MISSING, refused: set = frozenset()):
    """A held or hidden object: its author and moderators see it; everyone else gets 404.

    `signed_out` is what visitors and sanctioned personas get (LOGIN for writes, and for the API,
    where their revoked token is a 401); `refused` personas see it but may not do this (403).
    """
    def rule(persona):
        if persona in SIGNED_OUT:
            return signed_out
        if persona in refused:
            return FORBIDDEN
        return OK if persona in allowed else MISSING
    return rule


def signed_in_missing(persona):
    return LOGIN if persona in SIGNED_OUT else MISSING


def api_sees(allowed: set):
    """Like `sees` on pages, for the API: a revoked token (suspended, banned) is a 401."""
    page_rule = sees(allowed)
    return lambda persona: LOGIN if persona in {"suspended", "banned"} else page_rule(persona)


staff_only = only(STAFF)
moderators_only = only(MODERATORS)
admins_only = only({"admin"})
authors_and_editors = only({"member", "leader", "staff", "moderator", "admin"})   # level 3 and staff edit others
may_flag = but_not({"member", "new"})           # the author may not flag their own post, level 0 may not flag
may_vote = but_not({"member"})                  # never on your own post
may_report = but_not({"other", "new"})          # "other" is the reported member; level 0 may not report
may_accept = only({"member", "staff", "moderator", "admin"})


# --- the matrix: (method, rule in the URL map) -> (path, rule) ----------------------------------------

def matrix(w) -> dict:
    t, a, pending, item = w["thread"], w["answer"], w["pending"], w["item"]
    return {
        ("GET", "/"): ("/", public),
        ("GET", "/threads"): ("/threads", public),
        ("GET", "/threads/<int:thread_id>"): (f"/threads/{t}", public),
        ("GET", "/users/<username>"): ("/users/member", public),
        ("GET", "/users/<username>/reputation"): ("/users/member/reputation", public),
        ("GET", "/badges"): ("/badges", public),
        ("GET", "/leaderboard"): ("/leaderboard", public),
        ("GET", "/api/v1/badges"): ("/api/v1/badges", public),
        ("GET", "/api/v1/leaderboard"): ("/api/v1/leaderboard", public),
        ("GET", "/api/v1/users/<username>/reputation"): ("/api/v1/users/member/reputation", public),
        ("GET", "/kb"): ("/kb", public),
        ("GET", "/kb/<int:thread_id>"): (f"/kb/{w['resolved']}", public),
        ("POST", "/kb/<int:thread_id>/helpful"): (f"/kb/{w['resolved']}/helpful", public),
        ("GET", "/search"): ("/search?q=printer", public),
        ("GET", "/house-rules"): ("/house-rules", public),
        ("POST", "/auth/language"): ("/auth/language", public),
        ("GET", "/auth/login"): ("/auth/login", public),
        ("POST", "/auth/login"): ("/auth/login", public),
        ("GET", "/auth/register"): ("/auth/register", public),
        ("POST", "/auth/register"): ("/auth/register", public),
        ("POST", "/auth/logout"): ("/auth/logout", public),
        ("GET", "/ask"): ("/ask", signed_in),
        ("POST", "/ask"): ("/ask", signed_in),
        ("POST", "/preview"): ("/preview", signed_in),
        ("GET", "/threads/<int:thread_id>/edit"): (f"/threads/{t}/edit", authors_and_editors),
        ("POST", "/threads/<int:thread_id>/edit"): (f"/threads/{t}/edit", authors_and_editors),
        ("GET", "/answers/<int:answer_id>/edit"): (f"/answers/{a}/edit", authors_and_editors),
        ("POST", "/answers/<int:answer_id>/edit"): (f"/answers/{a}/edit", authors_and_editors),
        ("POST", "/threads/<int:thread_id>/answers"): (f"/threads/{t}/answers", signed_in),
        ("POST", "/threads/<int:thread_id>/vote"): (f"/threads/{t}/vote", may_vote),
        ("POST", "/answers/<int:answer_id>/vote"): (f"/answers/{a}/vote", may_vote),
        ("POST", "/threads/<int:thread_id>/accept"): (f"/threads/{t}/accept", may_accept),
        ("POST", "/threads/<int:thread_id>/unaccept"): (f"/threads/{t}/unaccept", may_accept),
        ("POST", "/threads/<int:thread_id>/flag"): (f"/threads/{t}/flag", may_flag),
        ("POST", "/answers/<int:answer_id>/flag"): (f"/answers/{a}/flag", may_flag),
        ("POST", "/threads/<int:thread_id>/resolution-check"): (f"/threads/{t}/resolution-check", signed_in),
        ("POST", "/threads/<int:thread_id>/ask-staff"): (f"/threads/{t}/ask-staff", signed_in),
        ("POST", "/threads/<int:thread_id>/staff-request"): (f"/threads/{t}/staff-request", signed_in),
        ("GET", "/notifications"): ("/notifications", signed_in),
        ("GET", "/notifications/preferences"): ("/notifications/preferences", signed_in),
        ("POST", "/notifications/preferences"): ("/notifications/preferences", signed_in),
        ("GET", "/notifications/resolution/<token>"): ("/notifications/resolution/forged", public),
        ("POST", "/notifications/resolution/<token>"): ("/notifications/resolution/forged", public),
        ("GET", "/notifications/unsubscribe/<token>"): ("/notifications/unsubscribe/forged", nowhere),
        ("POST", "/notifications/unsubscribe/<token>"): ("/notifications/unsubscribe/forged", nowhere),
        # Account links: a forged token is a 400 page for everyone; asking for a reset never needs a login.
        ("GET", "/account/password/forgot"): ("/account/password/forgot", public),
        ("POST", "/account/password/forgot"): ("/account/password/forgot", public),
        ("GET", "/account/password/reset/<token>"): ("/account/password/reset/forged", public),
        ("POST", "/account/password/reset/<token>"): ("/account/password/reset/forged", public),
        ("GET", "/account/confirm/<token>"): ("/account/confirm/forged", public),
        ("POST", "/account/confirm/resend"): ("/account/confirm/resend", signed_in),
        ("POST", "/threads/<int:thread_id>/follow"): (f"/threads/{t}/follow", signed_in),
        ("GET", "/staff/admin/mail"): ("/staff/admin/mail", admins_only),
        ("GET", "/staff/admin/mail/<int:message_id>"): ("/staff/admin/mail/999999", only({"admin"}, MISSING)),
        ("POST", "/notifications/read"): ("/notifications/read", signed_in),
        ("GET", "/account/delete"): ("/account/delete", signed_in),
        ("POST", "/account/delete"): ("/account/delete", signed_in),
        ("GET", "/auth/password"): ("/auth/password", signed_in),
        ("POST", "/auth/password"): ("/auth/password", signed_in),
        ("GET", "/auth/sessions"): ("/auth/sessions", signed_in),
        ("POST", "/auth/sessions/<int:session_id>/end"): ("/auth/sessions/999999/end", signed_in_missing),
        ("POST", "/auth/sessions/end-all"): ("/auth/sessions/end-all", nobody),   # ends here: back to login
        ("POST", "/auth/tokens/<int:token_id>/revoke"): ("/auth/tokens/999999/revoke", signed_in_missing),
        # Knowledge-base curation and the staff area.
        ("GET", "/kb/<int:thread_id>/manage"): (f"/kb/{t}/manage", staff_only),
        ("POST", "/kb/<int:thread_id>/promote"): (f"/kb/{t}/promote", staff_only),
        ("POST", "/kb/<int:thread_id>/duplicate"): (f"/kb/{t}/duplicate", staff_only),
        ("GET", "/staff/"): ("/staff/", staff_only),
        ("GET", "/staff/metrics"): ("/staff/metrics", staff_only),
        ("GET", "/staff/canned-replies"): ("/staff/canned-replies", staff_only),
        ("GET", "/staff/canned-replies/new"): ("/staff/canned-replies/new", staff_only),
        ("POST", "/staff/canned-replies/new"): ("/staff/canned-replies/new", staff_only),
        ("GET", "/staff/canned-replies/<int:reply_id>/edit"): (f"/staff/canned-replies/{w['reply']}/edit", staff_only),
        ("POST", "/staff/canned-replies/<int:reply_id>/edit"): (f"/staff/canned-replies/{w['reply']}/edit",
                                                                staff_only),
        ("POST", "/staff/canned-replies/<int:reply_id>/delete"): ("/staff/canned-replies/999999/delete",
                                                                  only(STAFF, MISSING)),
        ("POST", "/staff/threads/<int:thread_id>/claim"): (f"/staff/threads/{t}/claim", staff_only),
        ("POST", "/staff/threads/<int:thread_id>/unclaim"): (f"/staff/threads/{t}/unclaim", staff_only),
        ("POST", "/staff/threads/<int:thread_id>/assign"): (f"/staff/threads/{t}/assign", staff_only),
        ("POST", "/staff/threads/<int:thread_id>/department"): (f"/staff/threads/{t}/department", staff_only),
        ("POST", "/staff/threads/<int:thread_id>/department/return"): (f"/staff/threads/{t}/department/return",
                                                                       staff_only),
        ("POST", "/staff/threads/<int:thread_id>/notes"): (f"/staff/threads/{t}/notes", staff_only),
        ("POST", "/staff/customers/<int:user_id>/notes"): (f"/staff/customers/{w['member_id']}/notes", staff_only),
        ("GET", "/staff/admin/announcements"): ("/staff/admin/announcements", admins_only),
        ("GET", "/staff/admin/announcements/new"): ("/staff/admin/announcements/new", admins_only),
        ("POST", "/staff/admin/announcements/new"): ("/staff/admin/announcements/new", admins_only),
        ("GET", "/staff/admin/announcements/<int:announcement_id>/edit"): (
            f"/staff/admin/announcements/{w['announcement']}/edit", admins_only),
        ("POST", "/staff/admin/announcements/<int:announcement_id>/edit"): (
            f"/staff/admin/announcements/{w['announcement']}/edit", admins_only),
        ("POST", "/staff/admin/announcements/<int:announcement_id>/delete"): (
            "/staff/admin/announcements/999999/delete", only({"admin"}, MISSING)),
        ("GET", "/staff/admin/categories"): ("/staff/admin/categories", admins_only),
        ("GET", "/staff/admin/categories/<int:category_id>"): (f"/staff/admin/categories/{w['category']}", admins_only),
        ("POST", "/staff/admin/categories/<int:category_id>"): (f"/staff/admin/categories/{w['category']}",
                                                                admins_only),
        ("GET", "/staff/admin/departments"): ("/staff/admin/departments", admins_only),
        ("GET", "/staff/admin/departments/new"): ("/staff/admin/departments/new", admins_only),
        ("POST", "/staff/admin/departments/new"): ("/staff/admin/departments/new", admins_only),
        ("GET", "/staff/admin/departments/<int:department_id>"): (f"/staff/admin/departments/{w['department']}",
                                                                  admins_only),
        ("POST", "/staff/admin/departments/<int:department_id>"): (f"/staff/admin/departments/{w['department']}",
                                                                   admins_only),
        ("GET", "/staff/page-cache/"): ("/staff/page-cache/", admins_only),
        # Moderation.
        ("GET", "/mod/"): ("/mod/", moderators_only),
        ("POST", "/mod/items/<int:item_id>"): (f"/mod/items/{item}", moderators_only),
        ("POST", "/mod/threads/<int:thread_id>/<action>"): (f"/mod/threads/{t}/hide", moderators_only),
        ("POST", "/mod/answers/<int:answer_id>/<action>"): (f"/mod/answers/{a}/hide", moderators_only),
        ("GET", "/mod/audit"): ("/mod/audit", moderators_only),
        ("GET", "/mod/users/<username>"): ("/mod/users/other", moderators_only),
        ("POST", "/mod/users/<username>"): ("/mod/users/other", moderators_only),
        ("POST", "/mod/users/<username>/lift"): ("/mod/users/other/lift", moderators_only),
        ("POST", "/mod/users/<username>/delete"): ("/mod/users/nobody-here/delete", only({"admin"}, MISSING)),
        ("GET", "/mod/watched-words"): ("/mod/watched-words", admins_only),
        ("POST", "/mod/watched-words"): ("/mod/watched-words", admins_only),
        ("POST", "/mod/watched-words/<int:word_id>/delete"): (f"/mod/watched-words/{w['word']}/delete", admins_only),
        ("POST", "/mod/items/<int:item_id>/edit"): (f"/mod/items/{item}/edit", moderators_only),
        ("POST", "/mod/items/<int:item_id>/thread"): (f"/mod/items/{item}/thread", moderators_only),
        # Reporting a member: not yourself ("other" is the target), not before level 1.
        ("POST", "/users/<username>/report"): ("/users/other/report", may_report),
        ("POST", "/users/<username>/trust-level"): ("/users/other/trust-level", staff_only),
        ("GET", "/mod/house-rules/<locale>"): ("/mod/house-rules/de", admins_only),
        ("POST", "/mod/house-rules/<locale>"): ("/mod/house-rules/xx", only({"admin"}, MISSING)),
        # The JSON API.
        ("GET", "/api/v1/categories"): ("/api/v1/categories", public),
        ("GET", "/api/v1/threads"): ("/api/v1/threads", public),
        ("POST", "/api/v1/threads"): ("/api/v1/threads", signed_in),
        ("GET", "/api/v1/threads/<int:thread_id>"): (f"/api/v1/threads/{t}", public_api),
        ("POST", "/api/v1/threads/<int:thread_id>/answers"): (f"/api/v1/threads/{t}/answers", signed_in),
        ("POST", "/api/v1/threads/<int:thread_id>/vote"): (f"/api/v1/threads/{t}/vote", signed_in),
        ("POST", "/api/v1/answers/<int:answer_id>/vote"): (f"/api/v1/answers/{a}/vote", signed_in),
        ("POST", "/api/v1/threads/<int:thread_id>/accept"): (f"/api/v1/threads/{t}/accept", signed_in),
        ("DELETE", "/api/v1/threads/<int:thread_id>/accept"): (f"/api/v1/threads/{t}/accept", may_accept),
        ("POST", "/api/v1/threads/<int:thread_id>/flag"): (f"/api/v1/threads/{t}/flag", may_flag),
        ("POST", "/api/v1/answers/<int:answer_id>/flag"): (f"/api/v1/answers/{a}/flag", may_flag),
        ("POST", "/api/v1/threads/<int:thread_id>/resolution-check"): (f"/api/v1/threads/{t}/resolution-check",
                                                                       signed_in),
        ("POST", "/api/v1/threads/<int:thread_id>/ask-staff"): (f"/api/v1/threads/{t}/ask-staff", signed_in),
        ("GET", "/api/v1/me"): ("/api/v1/me", signed_in),
        ("GET", "/api/v1/notifications"): ("/api/v1/notifications", signed_in),
        ("POST", "/api/v1/notifications/read"): ("/api/v1/notifications/read", signed_in),
        ("GET", "/api/v1/users/<username>"): ("/api/v1/users/member", public),
        ("GET", "/api/v1/search"): ("/api/v1/search?q=printer", public),
        ("GET", "/api/v1/search/similar"): ("/api/v1/search/similar?title=printer", public),
        ("POST", "/api/v1/search/deflection"): ("/api/v1/search/deflection", signed_in),
        ("POST", "/api/v1/tokens"): ("/api/v1/tokens", nobody),   # HTTP Basic only; none sent here
        ("DELETE", "/api/v1/tokens"): ("/api/v1/tokens", signed_in),
        ("GET", "/api/v1/staff/queue"): ("/api/v1/staff/queue", staff_only),
        ("GET", "/api/v1/staff/metrics"): ("/api/v1/staff/metrics", staff_only),
        ("POST", "/api/v1/staff/threads/<int:thread_id>/claim"): (f"/api/v1/staff/threads/{t}/claim", staff_only),
        ("POST", "/api/v1/staff/threads/<int:thread_id>/unclaim"): (f"/api/v1/staff/threads/{t}/unclaim",
                                                                    staff_only),
        ("POST", "/api/v1/staff/threads/<int:thread_id>/assign"): (f"/api/v1/staff/threads/{t}/assign", staff_only),
        ("POST", "/api/v1/staff/threads/<int:thread_id>/department"): (f"/api/v1/staff/threads/{t}/department",
                                                                       staff_only),
        ("POST", "/api/v1/staff/threads/<int:thread_id>/department/return"): (
            f"/api/v1/staff/threads/{t}/department/return", staff_only),
        ("GET", "/api/v1/staff/threads/<int:thread_id>/notes"): (f"/api/v1/staff/threads/{t}/notes", staff_only),
        ("POST", "/api/v1/staff/threads/<int:thread_id>/notes"): (f"/api/v1/staff/threads/{t}/notes", staff_only),
        ("GET", "/api/v1/mod/queue"): ("/api/v1/mod/queue", moderators_only),
        ("POST", "/api/v1/mod/queue/<int:item_id>"): (f"/api/v1/mod/queue/{item}", moderators_only),
        ("POST", "/api/v1/mod/users/<username>/sanctions"): ("/api/v1/mod/users/other/sanctions", moderators_only),
        ("DELETE", "/api/v1/mod/users/<username>/sanctions"): ("/api/v1/mod/users/other/sanctions", moderators_only),
        ("GET", "/api/v1/mod/audit"): ("/api/v1/mod/audit", moderators_only),
        ("POST", "/api/v1/users/<username>/report"): ("/api/v1/users/other/report", may_report),
        ("PUT", "/api/v1/users/<username>/trust-level"): ("/api/v1/users/other/trust-level", staff_only),
        ("DELETE", "/api/v1/users/<username>/trust-level"): ("/api/v1/users/nobody-here/trust-level",
                                                             only(STAFF, MISSING)),
    }


def object_cases(w) -> list:
    """Object-level cases beyond one URL per route: held posts, someone else's post, staff notes."""
    pending, item = w["pending"], w["item"]
    author_and_moderators = {"new", "moderator", "admin"}
    return [
        ("GET", f"/threads/{pending}", sees(author_and_moderators)),
        ("GET", f"/api/v1/threads/{pending}", api_sees(author_and_moderators)),
        ("GET", f"/kb/{pending}", sees(set())),
        ("POST", f"/threads/{pending}/answers", sees(set(), signed_out=LOGIN)),
        ("POST", f"/api/v1/threads/{pending}/vote", sees(set(), signed_out=LOGIN)),
        ("POST", f"/api/v1/threads/{pending}/flag", sees(MODERATORS, signed_out=LOGIN, refused={"new"})),
        ("GET", f"/threads/{pending}/edit", sees({"new", "moderator", "admin"}, signed_out=LOGIN)),
        ("POST", f"/api/v1/mod/queue/{item}", moderators_only),
        ("GET", f"/threads/{w['thread']}/edit", authors_and_editors),
        ("GET", f"/api/v1/staff/threads/{w['thread']}/notes", staff_only),
        ("GET", "/api/v1/threads/999999", api_sees(set())),
    ]


# --- the world -------------------------------------------------------------------------------------

def _build_world(app, make, api):
    make.category()
    people = {}
    for persona, role in (("member", "member"), ("other", "member"), ("new", "member"), ("leader", "member"),
                          ("staff", "staff"), ("moderator", "moderator"), ("admin", "admin"),
                          ("suspended", "member"), ("banned", "member")):
        people[persona] = make.user(persona, role=role)
    levels = {"member": 1, "other": 1, "leader": 3, "suspended": 1, "banned": 1}
    with app.app_context():
        for persona, level in levels.items():   # locked: the personas' own posts must not recompute them
            user = db.session.get(User, people[persona].id)
            user.trust_level, user.trust_level_locked = level, True
        db.session.commit()
    thread = make.thread(people["member"])
    answer = make.answer(people["member"], thread)
    resolved = make.thread(people["other"], title="Resolved printer question")
    resolved_answer = make.answer(people["member"], resolved)
    with app.app_context():
        from app.services import resolution, posting

        other = db.session.get(User, people["other"].id)
        resolution.accept(other, posting.visible_thread(resolved), resolved_answer)
    app.config["PREMODERATE_FIRST_POSTS"] = 1
    try:
        pending = make.thread(people["new"], title="A held question from a newcomer")
    finally:
        app.config["PREMODERATE_FIRST_POSTS"] = 0
    with app.app_context():
        staff = db.session.get(User, people["staff"].id)
        world = {
            "thread": thread, "answer": answer, "resolved": resolved, "pending": pending,
            "item": db.session.scalar(select(moderation.ReviewItem.id).where(
                moderation.ReviewItem.thread_id == pending)),
            "member_id": people["member"].id,
            "category": db.session.scalar(select(Category.id)),
        }
        db.session.add(Department(slug="billing", name="Billing"))
        db.session.add(CannedReply(title="Hello there", body="Hello {asker}, thanks for asking."))
        db.session.add(Announcement(title="Maintenance tonight", body_source="Down at 22:00.",
                                    body_html="<p>Down at 22:00.</p>", starts_at=clock.now()))
        db.session.add(WatchedWord(pattern="casino", mode="flag"))
        db.session.commit()
        world.update(department=db.session.scalar(select(Department.id)),
                     reply=db.session.scalar(select(CannedReply.id)),
                     announcement=db.session.scalar(select(Announcement.id)),
                     word=db.session.scalar(select(WatchedWord.id)))
        staff_notes.add_thread_note(staff, thread, "An internal remark about this thread.")
    return people, world


def _sign_in(app, persona):
    """A page client with a login session and an API token for `persona` (None for the visitor)."""
    client = app.test_client()
    token = None
    if persona != "anonymous":
        client.post("/auth/login", data={"login": persona, "password": "correct-horse-battery"})
        response = client.post("/api/v1/tokens", auth=(persona, "correct-horse-battery"))
        token = response.get_json()["token"]
    return client, token


def _sanction(app, people):
    with app.app_context():
        moderator = db.session.get(User, people["moderator"].id)
        sanctions.sanction(moderator, db.session.get(User, people["suspended"].id),
                           sanctions.SanctionRequest("suspend", "Spam", days=3))
        sanctions.sanction(moderator, db.session.get(User, people["banned"].id),
                           sanctions.SanctionRequest("ban", "Abuse"))


def category_of(response) -> str:
    status = response.status_code
    if status == 401 or (status in (301, 302, 303) and "/auth/login" in response.headers.get("Location", "")):
        return LOGIN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return MISSING
    if status >= 500:
        return f"error {status}"
    return OK


# Routes that end the caller's own session or token run last, each with a fresh login.
SESSION_ENDING = {("POST", "/auth/logout"), ("POST", "/auth/sessions/end-all"), ("DELETE", "/api/v1/tokens"),
                  ("POST", "/auth/password")}


def _call(client, token, method, path):
    headers = {"Authorization": f"Bearer {token}"} if token and path.startswith("/api/") else {}
    if path.startswith("/api/") and method in ("POST", "PUT", "DELETE"):
        return client.open(path, method=method, headers=headers, json={})
    return client.open(path, method=method, headers=headers, data={})


def _route_keys(app) -> set:
    keys = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            keys.add((method, rule.rule))
    return keys


def test_every_route_has_an_entry(app):
    world = {name: 1 for name in ("thread", "answer", "resolved", "pending", "item", "member_id", "category",
                                  "department", "reply", "announcement", "word")}
    missing = _route_keys(app) - set(matrix(world))
    stale = set(matrix(world)) - _route_keys(app)
    assert not missing, f"routes without an authorisation matrix entry: {sorted(missing)}"
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


def test_authorisation_matrix(app, make, api):
    people, world = _build_world(app, make, api)
    signed = {persona: _sign_in(app, persona) for persona in PERSONAS}
    _sanction(app, people)
    entries = matrix(world)
    ordered = sorted(entries)
    cases = [(key[0], *entries[key]) for key in ordered if key not in SESSION_ENDING] + object_cases(world) + [
        (key[0], *entries[key]) for key in ordered if key in SESSION_ENDING]
    wrong = []
    for method, path, rule in cases:
        ends_session = any(method == m and path.startswith(r.split("<")[0]) for m, r in SESSION_ENDING)
        for persona in PERSONAS:
            client, token = _sign_in(app, persona) if ends_session and persona not in SIGNED_OUT \
                else signed[persona]
            actual = category_of(_call(client, token, method, path))
            expected = rule(persona)
            if actual != expected:
                wrong.append(f"{method} {path} as {persona}: expected {expected}, got {actual}")
    assert not wrong, "\n".join(wrong)


def test_another_users_notifications_cannot_be_marked_read(app, make, api):
    """Object level: marking someone else's notification read changes nothing and tells nothing.

    The page and the API answer exactly as for an id that does not exist (the API's `marked` is 0), so
    nobody learns whose notification an id is; the owner's notification stays unread.
    """
    people, world = _build_world(app, make, api)
    with app.app_context():
        note = Notification(user_id=people["member"].id, thread_id=world["thread"], kind="answered")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    for persona in PERSONAS:
        if persona in {"member", "anonymous"}:
            continue
        client, token = _sign_in(app, persona)
        page = client.post("/notifications/read", data={"id": str(note_id)})
        unknown = client.post("/notifications/read", data={"id": "999999"})
        assert (page.status_code, page.headers.get("Location")) == (unknown.status_code,
                                                                     unknown.headers.get("Location"))
        theirs = api.call("POST", "/api/v1/notifications/read", token, json={"ids": [note_id]})
        assert theirs.status_code == 200 and theirs.get_json()["marked"] == 0
        listed = api.call("GET", "/api/v1/notifications?per_page=100", token).get_json()["items"]
        assert note_id not in [item["id"] for item in listed]
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None
    owner = api.call("POST", "/api/v1/notifications/read", api.token("member"), json={"ids": [note_id]})
    assert owner.get_json()["marked"] == 1      # the same request by the owner does mark it: the test can fail


@pytest.mark.parametrize("persona", ["suspended", "banned"])
def test_sanctioned_sessions_are_refused_at_once(app, make, api, persona):
    people, world = _build_world(app, make, api)
    client, token = _sign_in(app, persona)
    assert client.get("/ask").status_code == 200
    _sanction(app, people)
    assert category_of(client.get("/ask")) == LOGIN
    assert api.call("GET", "/api/v1/me", token).status_code == 401
