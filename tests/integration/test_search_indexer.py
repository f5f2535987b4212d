"""The indexer: batches, replays, the writer lock, recovery, and the `flask search` commands."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.models import SearchOutbox, Thread, Visibility
from app.search import indexer
from app.search.documents import documents_for
from app.services import search as search_service
from app.services import search_outbox
from tests.search_fixtures import forum, found_ids, search_index, search_json  # noqa: F401


def _pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SearchOutbox.id)))


def test_drain_indexes_in_batches_and_deletes_exactly_the_processed_rows(app, forum, search_index, client):
    threads = [forum.thread(f"Beamer number {n} flickers") for n in range(7)]
    assert _pending(app) == 7
    with app.app_context():
        assert indexer.drain_outbox(batch_size=5) == 5
        assert indexer.pending_count() == 2
        assert indexer.drain_outbox(batch_size=5) == 2
        assert indexer.drain_outbox(batch_size=5) == 0
    assert sorted(found_ids(client, q="beamer", per_page=50)) == sorted(t.id for t in threads)


def test_documents_cost_the_same_queries_for_5_and_50_threads(app, forum, count_queries):
    few = [forum.thread(f"Mouse {n} lags", answers=["Change the battery."], tags=("mouse", "lag")).id
           for n in range(5)]
    many = few + [forum.thread(f"Keyboard {n} lags", answers=["Re-pair it.", "Charge it."]).id for n in range(45)]
    with app.app_context():
        with count_queries() as small:
            assert len(documents_for(few)) == 5
        with count_queries() as large:
            assert len(documents_for(many)) == 50
    assert small.count == large.count <= 3


def test_replaying_rows_is_harmless_and_the_database_wins(app, forum, search_index, client):
    thread = forum.thread("Webcam image is dark")
    with app.app_context():
        for _ in range(3):
            search_outbox.enqueue(thread.id)
        search_outbox.enqueue(thread.id, "delete")  # a stale hint: the thread is still visible
        search_outbox.enqueue(424242)  # a thread that never existed
        db.session.commit()
    search_index.drain()
    assert found_ids(client, q="webcam") == [thread.id]
    with app.app_context():
        assert search_service.backend().doc_versions().keys() == {thread.id}


def test_a_busy_writer_makes_the_indexer_skip_its_pass(app, forum, search_index, client):
    forum.thread("Speaker crackles at high volume")
    with app.app_context():
        with indexer.writer_lock():
            assert indexer.drain_outbox() == 0  # same process: the thread lock
        index_dir = search_service.extension().index_dir
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX);"
        " print('locked', flush=True); time.sleep(30)"), os.path.join(index_dir, indexer.LOCK_FILE)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with app.app_context():
            assert indexer.drain_outbox() == 0  # another process: the lock file
            with pytest.raises(indexer.WriterBusy):
                with indexer.writer_lock(wait=0.2):
                    pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert _pending(app) == 1
    search_index.drain()
    assert _pending(app) == 0 and len(found_ids(client, q="speaker")) == 1


def garble_index_as_a_new_process_sees_it(app) -> None:
    """Overwrite the live generation's files, then open the index afresh, as a restarted process would."""
    with app.app_context():
        root = Path(search_service.extension().index_dir)
        current = (root / "CURRENT").read_text().strip()
        for path in (root / current).iterdir():
            path.write_bytes(b"garbage")
        app.extensions.pop(search_service.EXTENSION_KEY)
        search_service.init_app(app)


# Engine bug (app.search.generations, not ours): opening a garbled generation leaks
# Whoosh's file handle of the table of contents, a ResourceWarning when collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_corrupt_index_directory_is_replaced_not_a_crash(app, forum, search_index, client, runner):
    thread = forum.thread("Monitor shows no signal")
    search_index.drain()
    garble_index_as_a_new_process_sees_it(app)
    assert search_json(client, q="monitor")["items"] == []
    result = runner.invoke(args=["search", "verify", "--repair"])
    assert result.exit_code == 0, result.output
    assert "missing: 1" in result.output
    assert found_ids(client, q="monitor") == [thread.id]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_indexer_rebuilds_a_lost_index_by_itself(app, forum, search_index, client):
    """A wiped index directory must not mean "no results" until someone runs reindex."""
    first = forum.thread("Monitor shows no signal")
    second = forum.thread("Keyboard types wrong letters")
    search_index.drain()
    garble_index_as_a_new_process_sees_it(app)
    assert search_json(client, q="monitor")["items"] == []
    search_index.drain()
    assert found_ids(client, q="monitor") == [first.id]
    assert found_ids(client, q="keyboard") == [second.id]


def test_verify_reports_missing_stale_and_extra_and_repair_fixes_them(app, forum, search_index, runner, client):
    kept = forum.thread("Headset echo on calls", answers=["Lower the mic gain."])
    stale = forum.thread("Dock does not charge laptop")
    extra = forum.thread("Old thread about floppy disks")
    search_index.drain()
    missing = forum.thread("Camera freezes in meetings")
    with app.app_context():
        db.session.execute(SearchOutbox.__table__.delete())  # as if the rows were lost
        db.session.get(Thread, stale.id).title = "Dock does not charge laptop over USB-C"
        db.session.get(Thread, extra.id).visibility = Visibility.DELETED.value
        db.session.commit()
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert f"missing: 1 ({missing.id})" in result.output and f"stale: 1 ({stale.id})" in result.output
    assert f"extra: 1 ({extra.id})" in result.output
    assert runner.invoke(args=["search", "verify", "--repair"]).exit_code == 0
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 0 and "The index matches the database." in result.output
    assert found_ids(client, q="USB-C") == [stale.id] and found_ids(client, q="floppy") == []
    assert kept.id in found_ids(client, q="headset")


def test_reindex_rebuilds_everything_and_reports_its_speed(app, forum, search_index, runner, client):
    threads = [forum.thread(f"Projector {n} overheats") for n in range(3)]
    with app.app_context():
        db.session.execute(SearchOutbox.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 threads" in result.output and "threads/s" in result.output
    assert sorted(found_ids(client, q="projector")) == sorted(t.id for t in threads)


def test_indexer_once_drains_the_outbox(app, forum, search_index, runner, client):
    thread = forum.thread("Smartwatch loses pairing")
    result = runner.invoke(args=["search", "indexer", "--once"])
    assert result.exit_code == 0 and "Processed 1 outbox rows; 0 left." in result.output
    assert found_ids(client, q="smartwatch") == [thread.id]


def test_searches_keep_answering_during_a_reindex_in_another_process(app, forum, search_index, client):
    for n in range(300):
        forum.thread(f"Tablet screen number {n} flickers", tags=())
    search_index.drain()
    env = {**os.environ, "PEERDESK_CONFIG": "testing", "FLASK_APP": "app",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    flask = str(Path(sys.executable).with_name("flask"))
    statuses, totals, during = [], [], 0
    for _ in range(2):
        rebuild = subprocess.Popen([flask, "search", "reindex"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        while rebuild.poll() is None:
            response = client.get("/api/v1/search", query_string={"q": "tablet flickers"})
            statuses.append(response.status_code)
            totals.append(response.get_json()["total"])
            during += 1
        out, err = rebuild.communicate()
        assert rebuild.returncode == 0, err
        assert "Indexed 300 threads" in out
    assert during > 5
    assert set(statuses) == {200} and set(totals) == {300}


@pytest.mark.postgres
def test_rows_locked_by_another_transaction_are_skipped(app, forum, search_index, client):
    forum.thread("Monitor flickers at night")
    search_index.drain()  # a non-empty index, so the indexer drains rows instead of refilling it
    first = forum.thread("Scanner number one jams")
    second = forum.thread("Scanner number two jams")
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as other:
        other.execute(text("BEGIN"))
        locked = other.execute(text("SELECT id FROM search_outbox WHERE thread_id = :id FOR UPDATE"),
                               {"id": first.id}).scalars().all()
        assert locked
        with app.app_context():
            started = time.perf_counter()
            assert indexer.drain_outbox() == 1
            assert time.perf_counter() - started < 5  # skipped, not waited for
        assert found_ids(client, q="scanner") == [second.id]
        other.execute(text("ROLLBACK"))
    engine.dispose()
    search_index.drain()
    assert sorted(found_ids(client, q="scanner")) == sorted([first.id, second.id])
