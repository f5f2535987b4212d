"""The thread page's memoised pieces (app.template_helpers) say exactly what their uncached forms say."""
import re
from datetime import timedelta

import pytest
from babel.dates import format_timedelta
from flask import render_template_string, url_for
from flask_babel import force_locale

from app import clock
from app.extensions import db
from app.models import User
from app.template_helpers import cached_url_for, time_ago
from tests.conftest import AuthActions

#: Every unit boundary Babel rounds at (0.85 of a unit), a little either side, in both directions.
MINUTES = sorted({sign * value for sign in (1, -1) for value in (
    0, 1, 2, 44, 45, 50, 51, 52, 59, 60, 61, 89, 90, 91, 1223, 1224, 1225, 1440, 2159, 2160, 8567, 8568, 8569,
    10080, 36719, 36720, 36721, 43200, 446759, 446760, 446761, 525600, 788400, 788401, 5_000_000)})


@pytest.mark.parametrize("language", ["en", "de"])
def test_time_ago_matches_babel_for_every_unit_boundary(app, frozen_clock, language):
    now = clock.now()
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for minutes in MINUTES:
            expected = format_timedelta(timedelta(minutes=minutes), add_direction=True, granularity="minute",
                                        locale=language)
            assert time_ago(now + timedelta(minutes=minutes)) == expected, minutes


def test_url_for_memo_matches_url_for(app):
    with app.test_request_context("/"):
        for endpoint, values in [("forum.thread", {"thread_id": 7}), ("forum.thread", {"thread_id": 123456}),
                                 ("forum.vote_answer", {"answer_id": 42}), ("forum.index", {"page": 3}),
                                 ("forum.index", {"tag": "printer"}), ("forum.profile", {"username": "ünï code"}),
                                 ("forum.thread", {"thread_id": 9, "_anchor": "answer-4"}),
                                 ("auth.login", {"next": "/threads/5?x=1&y=2"}), ("static", {"filename": "css/a.css"}),
                                 *[(endpoint, {"next": text}) for endpoint in ("auth.login", "auth.set_language")
                                   for text in ("", "/threads/5?q=a b+c&d=ä#top", "!$'()*,/:;?@%~[]{}\\\"<>", "\u2028")],
                                 ("forum.index", {"tag": "wi-fi & 5 GHz"}), ("forum.profile", {"username": "next"})]:
            assert cached_url_for(endpoint, **values) == url_for(endpoint, **values)
            assert cached_url_for(endpoint, **values) == url_for(endpoint, **values)  # the memoised answer too


def test_author_name_shows_a_changed_reputation_and_name_on_the_next_page(app, client, make):
    """The author link is memoised by everything it shows: a change is a new entry, never a stale one."""
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    make.answer(bob, thread_id)
    assert "bob" in client.get(f"/threads/{thread_id}").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, bob.id)
        user.reputation, user.gold_badges, user.username = 4321, 2, "roberta"
        db.session.commit()
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert ">roberta</a>" in page and ">4321<" in page and ">bob</a>" not in page


def test_url_for_memo_outside_a_request_behaves_as_url_for(app):
    """A template rendered by a job has no request: the memo steps aside instead of failing differently."""
    def outcome(build):
        try:
            return build("forum.thread", thread_id=3)
        except RuntimeError as error:
            return type(error)

    with app.app_context():
        assert outcome(cached_url_for) == outcome(url_for)


def test_request_catalogue_follows_force_locale_both_ways(app):
    """A mail rendered in the reader's language inside a page's request leaves the page in its own."""
    template = "{{ _('Questions') }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Questions"
        with force_locale("de"):
            assert render_template_string(template) == "Fragen"
        assert render_template_string(template) == "Questions"
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        with force_locale("en"):
            assert render_template_string(template) == "Questions"
        assert render_template_string(template) == "Fragen"


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


def _tokens(page: str) -> set[str]:
    return {first or second for first, second in TOKEN.findall(page)}


def test_cached_forms_carry_each_members_own_token_and_language(app, make):
    """Vote arrows and flag forms are rendered once per language: the token, URL and ids are each page's own."""
    make.category("printers")
    alice, bob, carla = make.user("alice"), make.user("bob"), make.user("carla")
    with app.app_context():
        for member in (bob, carla):  # flagging needs trust level 1
            user = db.session.get(User, member.id)
            user.trust_level, user.trust_level_locked = 1, True
        db.session.commit()
    thread_id = make.thread(alice)
    answer_id = make.answer(alice, thread_id)
    pages = {}
    for member, language in ((bob, "en"), (carla, "de")):
        browser = app.test_client()
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        AuthActions(browser).login(member.username)
        pages[language] = browser.get(f"/threads/{thread_id}").get_data(as_text=True)
    english, german = pages["en"], pages["de"]
    assert len(_tokens(english)) == 1 and len(_tokens(german)) == 1 and _tokens(english) != _tokens(german)
    assert english.count('class="vote-form"') == german.count('class="vote-form"') == 2
    assert english.count('class="flag-box"') == german.count('class="flag-box"') == 2
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        upvote_de = str(render_template_string("{{ _('Upvote this answer') }}"))
    assert "Upvote this answer" in english and upvote_de in german and "Upvote this answer" not in german
    assert "Send flag" in english and "Meldung senden" in german and "Send flag" not in german
    for page in (english, german):
        assert f'<form method="post" action="/answers/{answer_id}/flag" class="stacked-form flag-form">' in page
        assert f'id="flag-reason--answers-{answer_id}-flag"' in page
        assert f'id="flag-text--threads-{thread_id}-flag"' in page
        assert f'action="/answers/{answer_id}/vote"' in page and f'action="/threads/{thread_id}/vote"' in page


def test_answer_editor_memo_never_shows_someone_elses_text_or_errors(app, client, auth, make):
    """The empty editor is rendered once per language; a rejected answer is shown as typed, with its error."""
    make.category("printers")
    alice, bob = make.user("alice"), make.user("bob")
    thread_id = make.thread(alice)
    auth.login("bob")
    fresh = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    rejected = client.post(f"/threads/{thread_id}/answers", data={"body": "Too short"})
    assert rejected.status_code == 400
    page = rejected.get_data(as_text=True)
    assert "Too short</textarea>" in page and 'aria-invalid="true"' in page and 'role="alert"' in page
    again = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert again == fresh and "Too short" not in again and 'aria-invalid' not in again
