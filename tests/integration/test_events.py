"""Events reach subscribers after the commit, exactly once, and never after a rollback."""
import pytest

from app import events
from app.extensions import db
from app.models import DomainEvent


@pytest.fixture()
def heard():
    received = []
    events.subscribe(received.append)
    yield received
    events._subscribers.remove(received.append)


def test_subscribers_hear_an_event_only_after_its_commit(ctx, heard):
    row = events.announce("answered", thread_id=7, actor_id=3, answer_id=11)
    db.session.flush()
    assert heard == []
    db.session.commit()
    assert [(h.id, h.kind, h.thread_id, h.actor_id, h.payload) for h in heard] == [
        (row.id, "answered", 7, 3, {"answer_id": 11})]
    assert heard[0].origin == events.ORIGIN


def test_a_rolled_back_event_is_neither_stored_nor_heard(ctx, heard):
    events.announce("voted", thread_id=1)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert heard == []
    assert db.session.query(DomainEvent).count() == 0


def test_a_failing_subscriber_does_not_stop_the_others(ctx, heard):
    def broken(_happened):
        raise RuntimeError("boom")

    events._subscribers.insert(0, broken)
    try:
        events.announce("edited", thread_id=2)
        db.session.commit()
    finally:
        events._subscribers.remove(broken)
    assert [h.kind for h in heard] == ["edited"]


def test_a_within_handler_writes_in_the_same_transaction(ctx):
    seen = []

    @events.within("test_kind")
    def react(row):
        seen.append(row.kind)
        events.announce("test_reaction", thread_id=row.thread_id)

    try:
        events.announce("test_kind", thread_id=5)
        db.session.rollback()
        assert db.session.query(DomainEvent).count() == 0
        events.announce("test_kind", thread_id=5)
        db.session.commit()
    finally:
        events._in_transaction.pop("test_kind")
    assert seen == ["test_kind", "test_kind"]
    assert sorted(row.kind for row in db.session.query(DomainEvent)) == ["test_kind", "test_reaction"]
