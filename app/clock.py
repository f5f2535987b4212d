"""The one clock of the application.

Every rule that depends on time (SLA due dates, escalation, token expiry,
auto-resolution) asks `now()`, so tests move time by replacing the source
instead of sleeping.
"""
from datetime import datetime, timedelta, timezone
from typing import Callable

_source: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _source()


def set_source(source: Callable[[], datetime]) -> None:
    global _source
    _source = source


def reset() -> None:
    set_source(lambda: datetime.now(timezone.utc))


class FrozenClock:
    """A clock that stands still until told to move; installs itself on creation."""

    def __init__(self, start: datetime):
        self.current = start
        set_source(lambda: self.current)

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment
