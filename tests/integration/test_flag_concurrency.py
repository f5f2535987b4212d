"""Twenty members flag one post at the same moment: exactly one hide, one review item, twenty flags."""
import multiprocessing
import os

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DomainEvent, Flag, ReviewItem, Thread, User

FLAGGERS = 20


def _flag_in_process(database_url, user_id, thread_id, barrier, queue):
    """Runs in a forked child: its own app, engine and connection, so the race is real."""
    from app import create_app
    from app.services import moderation

    application = create_app("testing", {"DATABASE_URL": database_url, "SEARCH_BACKEND": "null"})
    with application.app_context():
        flagger = db.session.get(User, user_id)
        thread = db.session.get(Thread, thread_id)
        barrier.wait()
        try:
            moderation.flag(flagger, thread, moderation.FlagRequest("spam"))
            queue.put("ok")
        except Exception as error:  # pragma: no cover - reported to the parent
            queue.put(repr(error))
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_twenty_simultaneous_flaggers_hide_the_post_exactly_once(app, make, database_url):
    assert os.environ.get("PEERDESK_TEST_DATABASE_URL", "").startswith("postgres")
    make.category()
    thread_id = make.thread(make.user("asker"))
    ids = [make.user(f"flagger{number}").id for number in range(FLAGGERS)]
    with app.app_context():
        db.session.execute(User.__table__.update().where(User.id.in_(ids)).values(trust_level=1))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()       # no connection is shared with the forked children
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(FLAGGERS), context.Queue()
    processes = [context.Process(target=_flag_in_process, args=(database_url, user_id, thread_id, barrier, queue))
                 for user_id in ids]
    for process in processes:
        process.start()
    results = [queue.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(60)
    assert results == ["ok"] * FLAGGERS
    with app.app_context():
        assert db.session.get(Thread, thread_id).visibility == "hidden"
        assert db.session.scalar(select(func.count(ReviewItem.id))) == 1
        assert db.session.scalar(select(func.count(Flag.id))) == FLAGGERS
        assert db.session.scalar(select(ReviewItem.flag_weight)) == FLAGGERS
        assert db.session.scalar(select(func.count(DomainEvent.id)).where(DomainEvent.kind == "post_hidden")) == 1
