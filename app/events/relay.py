"""The relay: hands each server process the events other processes wrote.

Every server process tails `domain_events` (one indexed query every
EVENTS_RELAY_INTERVAL_SECONDS) and calls `events.dispatch` for each row
written by another origin, so its subscribers (the socket emitter, the page
cache, …) hear about a `flask sla sweep` run from cron, or another server's
write, exactly as they hear about their own. A process's own events were
dispatched at their commit and are skipped here by their `origin`.

Ids are handed out at insert but become visible at commit, and on
PostgreSQL two transactions may commit out of id order: the relay may see
id 12 before id 11 exists for it. So the cursor is the highest id seen plus
the set of ids below it that were missing ("gaps"); each poll also asks for
those gaps, and a gap is given up after EVENTS_RELAY_GAP_SECONDS (a rolled
back insert leaves a hole that never fills). On SQLite writers are
serialised, so gaps only come from rollbacks.
"""
import logging
import threading
import time

from sqlalchemy import func, or_, select

from app import events
from app.extensions import db
from app.models.events import DomainEvent

log = logging.getLogger("peerdesk.events.relay")

#: The most gaps kept at once; beyond that the oldest are given up first.
MAX_GAPS = 10_000
_latest_lock = threading.Lock()
_latest_id = 0
_oldest_gap: int | None = None


def latest_id() -> int:
    """The id a page rendered now may resume from, without a query (0 before the first event).

    The newest id this process knows of, or just below the oldest gap the
    relay still waits for, so a client replaying from it misses nothing.
    """
    gap = _oldest_gap
    return min(_latest_id, gap - 1) if gap is not None else _latest_id


def note_seen(happened: events.Happened) -> None:
    """Subscriber: keep `latest_id` current with this process's own commits too."""
    global _latest_id
    with _latest_lock:
        if happened.id > _latest_id:
            _latest_id = happened.id


class Relay:
    """One process's cursor over the event log."""

    def __init__(self, gap_seconds: float = 10.0, batch_size: int = 500, monotonic=time.monotonic):
        self.cursor: int | None = None
        self.gaps: dict[int, float] = {}
        self.gap_seconds = gap_seconds
        self.batch_size = batch_size
        self._monotonic = monotonic

    def start_at_end(self) -> None:
        """Begin after the newest event: a process relays what happens from now on."""
        self.cursor = db.session.scalar(select(func.max(DomainEvent.id))) or 0
        db.session.rollback()
        note_seen(events.Happened(id=self.cursor, kind="relay_started"))

    def poll(self) -> list[events.Happened]:
        """Every event that became visible since the last poll, own ones included, in id order."""
        if self.cursor is None:
            self.start_at_end()
            return []
        condition = DomainEvent.id > self.cursor
        if self.gaps:
            condition = or_(condition, DomainEvent.id.in_(sorted(self.gaps)))
        rows = db.session.scalars(select(DomainEvent).where(condition)
                                  .order_by(DomainEvent.id).limit(self.batch_size)).all()
        fresh = [events.Happened.of(row) for row in rows]
        db.session.rollback()
        now = self._monotonic()
        for happened in fresh:
            if happened.id > self.cursor:
                for missing in range(self.cursor + 1, happened.id):
                    self.gaps[missing] = now
                self.cursor = happened.id
            else:
                self.gaps.pop(happened.id, None)
        self._forget_old_gaps(now)
        global _oldest_gap
        _oldest_gap = min(self.gaps) if self.gaps else None
        return fresh

    def _forget_old_gaps(self, now: float) -> None:
        expired = [gap for gap, since in self.gaps.items() if now - since > self.gap_seconds]
        for gap in expired:
            del self.gaps[gap]
        if len(self.gaps) > MAX_GAPS:
            for gap in sorted(self.gaps)[:len(self.gaps) - MAX_GAPS]:
                del self.gaps[gap]

    def relay_once(self) -> int:
        """Poll until caught up; dispatch the events other processes wrote. Returns how many."""
        relayed = 0
        while True:
            fresh = self.poll()
            for happened in fresh:
                note_seen(happened)
                if happened.origin != events.ORIGIN:
                    events.dispatch(happened)
                    relayed += 1
            if len(fresh) < self.batch_size:
                return relayed


def is_foreign(happened: events.Happened) -> bool:
    """Written by another process (reached this one through the relay)."""
    return happened.origin != events.ORIGIN
