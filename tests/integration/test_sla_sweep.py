"""The escalation sweep: exact boundary, once per thread, business hours, and concurrency."""
import multiprocessing
import os
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app import clock
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.models import Notification, Thread, ThreadEvent
from app.services import sla


@pytest.fixture()
def world(make):
    make.category("printers", sla_minutes=60, staff_response_minutes=30)
    return {"asker": make.user("alice"), "helper": make.user("bob"), "sam": make.user("sam", role="staff")}


def escalation_counts(thread_id):
    events = db.session.scalar(select(func.count(ThreadEvent.id)).where(
        ThreadEvent.thread_id == thread_id, ThreadEvent.kind == EventKind.ESCALATED.value))
    notes = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.thread_id == thread_id, Notification.kind == "escalated"))
    return events, notes


def test_escalates_exactly_at_the_boundary(app, world, make, frozen_clock):
    thread_id = make.thread(world["asker"])
    with app.app_context():
        due = db.session.get(Thread, thread_id).sla_due_at
        assert due == frozen_clock.current + timedelta(minutes=60)
        frozen_clock.set(due - timedelta(microseconds=1))
        assert sla.escalate_overdue_threads() == []
        frozen_clock.set(due)
        assert sla.escalate_overdue_threads() == [thread_id]
        thread = db.session.get(Thread, thread_id)
        db.session.refresh(thread)
        assert thread.needs_staff and thread.escalated_at == due
        assert thread.staff_due_at == due + timedelta(minutes=30)
        assert escalation_counts(thread_id) == (1, 1)


def test_sweep_is_idempotent(app, world, make, frozen_clock):
    thread_id = make.thread(world["asker"])
    frozen_clock.advance(minutes=61)
    with app.app_context():
        assert sla.run_scheduled_work().escalated == [thread_id]
        assert sla.run_scheduled_work().escalated == []
        assert escalation_counts(thread_id) == (1, 1)


def test_answered_resolved_and_hidden_threads_do_not_escalate(app, world, make, frozen_clock):
    answered = make.thread(world["asker"])
    make.answer(world["helper"], answered)
    own_answer_only = make.thread(world["asker"], title="Scanner jams on every page")
    make.answer(world["asker"], own_answer_only, body="Still happening after a restart, any idea?")
    hidden = make.thread(world["asker"], title="Hidden question about toner")
    with app.app_context():
        db.session.get(Thread, hidden).visibility = "hidden"
        db.session.commit()
        frozen_clock.advance(hours=2)
        assert sla.escalate_overdue_threads() == [own_answer_only]


def test_cli_sweep_prints_what_it_did(app, world, make, frozen_clock, runner):
    thread_id = make.thread(world["asker"])
    frozen_clock.advance(hours=2)
    result = runner.invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "escalated 1" in result.output and f"#{thread_id}" in result.output
    assert "escalated 0" in runner.invoke(args=["sla", "sweep"]).output


def test_business_hours_across_weekend_and_holiday(app, make):
    """Friday 16:30 Berlin, 60 open minutes, Monday a holiday: due Tuesday 09:30 Berlin."""
    hours = {"timezone": "Europe/Berlin", "weekdays": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "17:00",
             "holidays": ["2026-03-09"]}
    make.category("billing", sla_minutes=60, staff_response_minutes=120, business_hours=hours)
    asker = make.user("carol")
    friday = datetime(2026, 3, 6, 15, 30, tzinfo=timezone.utc)           # 16:30 CET
    frozen = clock.FrozenClock(friday)
    thread_id = make.thread(asker, category="billing")
    tuesday_due = datetime(2026, 3, 10, 8, 30, tzinfo=timezone.utc)      # 09:30 CET
    with app.app_context():
        assert db.session.get(Thread, thread_id).sla_due_at == tuesday_due
        frozen.set(datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc))     # the holiday: nothing
        assert sla.escalate_overdue_threads() == []
        frozen.set(tuesday_due - timedelta(seconds=1))
        assert sla.escalate_overdue_threads() == []
        frozen.set(tuesday_due)
        assert sla.escalate_overdue_threads() == [thread_id]
        thread = db.session.get(Thread, thread_id)
        db.session.refresh(thread)
        # The staff target runs on the same clock: 120 open minutes from 09:30 → 11:30 CET.
        assert thread.staff_due_at == datetime(2026, 3, 10, 10, 30, tzinfo=timezone.utc)
        frozen.set(datetime(2026, 3, 10, 16, 30, tzinfo=timezone.utc))   # 17:30 CET, after closing
        category = thread.category
        assert sla.breach_minutes(thread.staff_due_at, category) == 5 * 60 + 30


def _seed_due_threads(app, make, count):
    asker = make.user("dave")
    ids = [make.thread(asker, title=f"Printer problem number {n:03d}") for n in range(count)]
    return ids


def _assert_each_escalated_once(app, ids, results):
    assert sorted(tid for batch in results for tid in batch) == sorted(ids)
    with app.app_context():
        for thread_id in ids:
            assert escalation_counts(thread_id) == (1, 1)


def test_concurrent_sweeps_in_threads_escalate_each_thread_once(app, world, make, frozen_clock):
    ids = _seed_due_threads(app, make, 20)
    frozen_clock.advance(hours=2)
    barrier, results, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            with app.app_context():
                barrier.wait()
                results.append(sla.escalate_overdue_threads())
                db.session.remove()
        except Exception as error:  # pragma: no cover - surfaced below
            errors.append(error)

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors
    _assert_each_escalated_once(app, ids, results)


def _sweep_in_process(database_url, moment, barrier, queue):
    """Runs in a forked child: its own app, engine and connections."""
    from app import clock as child_clock, create_app
    from app.services import sla as child_sla

    child_clock.FrozenClock(moment)
    application = create_app("testing", {"DATABASE_URL": database_url})
    with application.app_context():
        barrier.wait()
        queue.put(child_sla.escalate_overdue_threads())
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_concurrent_sweeps_in_two_processes_on_postgres(app, world, make, frozen_clock, database_url):
    ids = _seed_due_threads(app, make, 200)
    moment = frozen_clock.advance(hours=2)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()       # no connection is shared with the forked children
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_sweep_in_process, args=(database_url, moment, barrier, queue))
                 for _ in range(2)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    _assert_each_escalated_once(app, ids, results)
    assert os.environ.get("PEERDESK_TEST_DATABASE_URL", "").startswith("postgres")
