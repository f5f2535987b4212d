"""Which committed changes make which cached pages stale.

The cache does not wait for each service to remember it: it watches the
unit of work. Peerdesk's rule that every visible change leaves a row in
the same transaction (a timeline event, a search-outbox row, an announced
domain event, or the changed thread, answer or vote itself) means the rows
of a transaction name the threads it changed. They are gathered at each
flush and at bulk inserts, and their tags bumped after the commit, before
the writer's response leaves: the very next request renders afresh. A
rolled-back transaction bumps nothing.

Events other processes wrote reach `on_event` through the relay; with
shared generations (a file on one machine, or Redis) the writer's own bump
has already done the work, and the second bump only costs one more render.
"""
import logging
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.pagecache import rules

_PENDING = "peerdesk_pagecache_tags"
log = logging.getLogger("peerdesk.pagecache")


def _invalidate(tags) -> None:
    """Bump in the page cache of the app whose session committed (tests run several apps in one process)."""
    if has_app_context():
        cache = current_app.extensions.get("pagecache")
        if cache is not None:
            try:
                cache.invalidate(tags)
            except Exception:  # the change is committed; a store that is down serves nothing until it is back
                log.exception("page cache invalidation failed for %s", sorted(tags))


def _thread_id_of(row) -> int | None:
    from app.models import Thread

    if isinstance(row, Thread):
        return row.id
    return getattr(row, "thread_id", None)


def _tracked_classes():
    from app.models import Answer, SearchOutbox, Thread, ThreadEvent, Vote
    from app.models.events import DomainEvent

    return (Thread, Answer, Vote, ThreadEvent, SearchOutbox, DomainEvent)


def _everywhere_classes():
    from app.models import Announcement, Category, Tag

    return (Announcement, Category, Tag)


def tags_of_row(row) -> set[str]:
    """The tags one new, changed or deleted row makes stale."""
    from app.models import User

    if isinstance(row, _tracked_classes()):
        thread_id = _thread_id_of(row)
        return set(rules.tags_for_thread_change(thread_id)) if thread_id else {rules.LISTS}
    if isinstance(row, _everywhere_classes()):
        return {rules.EVERYWHERE}
    if isinstance(row, User):
        state = inspect(row)
        if state.attrs.username.history.has_changes() or state.attrs.role.history.has_changes():
            return {rules.EVERYWHERE}
    return set()


def _pending(session: Session) -> set[str]:
    return session.info.setdefault(_PENDING, set())


def _after_flush(session: Session, _flush_context) -> None:
    """New rows have their ids here, and the new/dirty/deleted lists and attribute history are still intact."""
    pending = _pending(session)
    for row in chain(session.new, session.dirty, session.deleted):
        pending.update(tags_of_row(row))


def _bulk_statement(state) -> None:
    """Bulk INSERTs of thread-bound rows (the SLA sweep's timeline rows) name their threads in the parameters."""
    if not state.is_insert:
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in ("thread_events", "search_outbox", "domain_events", "answers"):
        return
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    pending = _pending(state.session)
    for row in rows:
        if row.get("thread_id"):
            pending.update(rules.tags_for_thread_change(row["thread_id"]))


def _after_commit(session: Session) -> None:
    tags = session.info.pop(_PENDING, None)
    if tags:
        _invalidate(tags)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def on_event(happened) -> None:
    """A committed event from another process (the relay); this process's own were seen in its unit of work."""
    from app.events import ORIGIN

    if happened.origin == ORIGIN:
        return
    if happened.thread_id:
        _invalidate(rules.tags_for_thread_change(happened.thread_id))


def install() -> None:
    """Hook the session lifecycle and the event log, once per process."""
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "after_flush", _after_flush)
        sa_event.listen(Session, "do_orm_execute", _bulk_statement)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_rollback", _after_rollback)
    from app import events

    events.subscribe(on_event)
