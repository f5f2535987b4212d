"""Index consistency under concurrent writers: two processes post 200 answers while the indexer drains.

Runs against the session's database (a SQLite file, or the PostgreSQL test
database in the PostgreSQL leg), so the outbox is shared for real.
"""
import multiprocessing
import time

from app.search.indexer import drain_outbox
from tests.search_fixtures import (  # noqa: F401
    forum,
    found_ids,
    post_answers_in_another_process,
    search_index,
    unique_word,
)

ANSWERS_PER_PROCESS = 100


def test_every_answer_posted_by_two_processes_at_once_is_searchable(app, forum, search_index, client):
    first = forum.thread("Label printer prints garbage", body="Every label comes out as random symbols.")
    second = forum.thread("Receipt printer cuts too early", body="The cutter fires in the middle of a receipt.")
    helper = forum.user("bob")
    search_index.drain()
    spawn = multiprocessing.get_context("spawn")  # no database connection inherited from this process
    workers = [spawn.Process(target=post_answers_in_another_process, args=(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"], helper.id, thread.id, number,
        ANSWERS_PER_PROCESS)) for number, thread in ((1, first), (2, second))]
    for worker in workers:
        worker.start()
    passes = 0
    while any(worker.is_alive() for worker in workers):  # the indexer drains while they write
        with app.app_context():
            drain_outbox(batch_size=25)
        passes += 1
        time.sleep(0.05)
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    search_index.drain()
    assert passes > 1
    missing = [(number, n) for number, thread in ((1, first), (2, second)) for n in range(ANSWERS_PER_PROCESS)
               if found_ids(client, q=unique_word(number, n)) != [thread.id]]
    assert missing == []
