"""Pages cost a constant number of SQL queries, whatever the number of rows they show."""
import pytest

from app.extensions import db
from app.models import User
from app.services import posting, voting


def seed_answers(app, thread_id: int, authors: list, count: int) -> None:
    with app.app_context():
        thread = posting.visible_thread(thread_id)
        for n in range(count):
            author = db.session.get(User, authors[n % len(authors)].id)
            post = posting.answer(author, thread, f"Answer number {n} with enough text.")
            voter = db.session.get(User, authors[(n + 1) % len(authors)].id)
            if voter.id != post.author_id:
                voting.vote_answer(voter, post, 1)


@pytest.fixture()
def people(make):
    make.category("printers")
    return [make.user(name) for name in ("alice", "bob", "carla", "dmitri")]


def queries_for(client, count_queries, url) -> int:
    """Queries of a page in the steady state: a first request loads the per-process copies (the banner's)."""
    client.get(url)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("logged_in", [False, True])
def test_thread_page_queries_do_not_grow_with_answers(app, client, auth, make, people, count_queries, logged_in):
    small = make.thread(people[0], title="Printer question with one answer")
    large = make.thread(people[0], title="Printer question with fifty answers")
    seed_answers(app, small, people[1:], 1)
    seed_answers(app, large, people[1:], 50)
    if logged_in:
        auth.login("carla")
    one = queries_for(client, count_queries, f"/threads/{small}")
    fifty = queries_for(client, count_queries, f"/threads/{large}")
    assert one == fifty, (one, fifty)
    api_one = queries_for(client, count_queries, f"/api/v1/threads/{small}")
    api_fifty = queries_for(client, count_queries, f"/api/v1/threads/{large}")
    assert api_one == api_fifty


def test_thread_list_queries_do_not_grow_with_threads(app, client, make, people, count_queries):
    make.thread(people[0], title="The only printer question")
    one = queries_for(client, count_queries, "/")
    api_one = queries_for(client, count_queries, "/api/v1/threads")
    for n in range(49):
        make.thread(people[n % 4], title=f"Printer question number {n}", tags=(f"tag{n % 7}", "printer"))
    fifty = queries_for(client, count_queries, "/?per_page=50")
    api_fifty = queries_for(client, count_queries, "/api/v1/threads?per_page=50")
    assert one == fifty, (one, fifty)
    assert api_one == api_fifty, (api_one, api_fifty)


def test_profile_queries_do_not_grow(app, client, make, people, count_queries):
    thread = make.thread(people[0])
    make.answer(people[1], thread)
    one = queries_for(client, count_queries, "/users/bob")
    for n in range(20):
        make.answer(people[1], make.thread(people[0], title=f"Printer question number {n}"))
    assert queries_for(client, count_queries, "/users/bob") == one
