"""PostgreSQL search is written in the transaction of each change: never behind, never ahead.

Runs in the PostgreSQL leg only; the search contract itself is tested on both
backends in tests/unit/test_search_backend.py and tests/functional/test_search_api.py.
"""
import multiprocessing

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import SearchOutbox, Thread, User
from app.services import posting, search_outbox
from app.services import search as search_service
from tests.search_fixtures import (  # noqa: F401
    forum,
    found_ids,
    post_answers_in_another_process,
    search_index,
    unique_word,
)

pytestmark = pytest.mark.postgres
ANSWERS_PER_PROCESS = 40


@pytest.fixture()
def search_backend_kind():
    return "postgres"


def _outbox_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SearchOutbox.id)))


def test_every_change_is_searchable_at_its_commit_without_an_outbox(app, forum, search_index, client):
    thread = forum.thread("Wombat scanner skips pages", answers=["Clean the marmoset roller."], accept=0)

    assert found_ids(client, q="wombat") == [thread.id]
    assert found_ids(client, q="marmoset", status="resolved") == [thread.id]
    assert _outbox_rows(app) == 0
    forum.set_visibility("hidden", thread_id=thread.id)
    with app.app_context():
        assert search_service.backend().doc_versions() == {}


def test_a_rolled_back_change_leaves_the_document_as_it_was(app, forum, search_index, client):
    thread = forum.thread("Gecko keyboard double types")
    with app.app_context():
        user = db.session.get(User, forum.user("alice").id)
        posting.edit_question(user, db.session.get(Thread, thread.id),
                              posting.QuestionDraft("Gecko keyboard double types", "Now about a capybara.",
                                                    "printers", ["p200"]))
        search_outbox.enqueue(thread.id)
        db.session.get(Thread, thread.id).title = "Iguana"
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # nothing marked any more: commits nothing

    assert found_ids(client, q="capybara") == [thread.id]
    assert found_ids(client, q="iguana") == []


def test_documents_are_written_under_a_lock_taken_before_reading_the_thread(app, forum, search_index):
    """The later of two concurrent changes must read the earlier one's result: it waits for its lock."""
    thread = forum.thread("Ocelot router reboots")
    with app.app_context():
        holder = db.engine.connect()
        transaction = holder.begin()
        search_service.backend().lock(holder, [thread.id])
        waiting = db.engine.connect()
        with pytest.raises(Exception, match="lock timeout"):
            with waiting.begin():
                waiting.execute(text("SET LOCAL lock_timeout = '200ms'"))
                search_service.backend().lock(waiting, [thread.id])
        transaction.rollback()
        holder.close()
        with waiting.begin():
            search_service.backend().lock(waiting, [thread.id])
        waiting.close()


def test_answers_posted_by_two_processes_at_once_all_reach_the_document(app, forum, search_index, client):
    thread = forum.thread("Label printer prints garbage", body="Every label comes out as random symbols.")
    helper = forum.user("bob")
    spawn = multiprocessing.get_context("spawn")  # no database connection inherited from this process
    workers = [spawn.Process(target=post_answers_in_another_process, args=(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"], helper.id, thread.id, number,
        ANSWERS_PER_PROCESS, "postgres")) for number in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    missing = [(number, n) for number in (1, 2) for n in range(ANSWERS_PER_PROCESS)
               if found_ids(client, q=unique_word(number, n)) != [thread.id]]
    assert missing == [] and _outbox_rows(app) == 0
