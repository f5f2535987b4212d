"""Business hours: the clock that SLA deadlines run on.

A category may say its support desk keeps opening hours, so that a question
asked on Friday evening is not overdue before anyone could have read it.
The rule:

1. Opening hours are wall-clock times in the category's IANA time zone, the
   same on every open weekday; holidays are local dates with no opening at all.
2. The clock runs only inside [opens, closes) of open days. A start outside
   them waits for the next opening; a deadline may fall exactly on a closing.
3. Each day's opening and closing are converted to UTC on their own, so a
   daylight saving change moves them with the wall clock. A wall time that does
   not exist (spring gap) is read with the offset in force before the change;
   a repeated one (autumn) means its first occurrence.
4. No business hours (None, or an empty config) means the clock always runs.

Instants go in as aware datetimes and come out in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_CLOCK_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_REQUIRED_KEYS = frozenset({"timezone", "weekdays", "opens", "closes"})
_OPTIONAL_KEYS = frozenset({"holidays"})
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class BusinessHours:
    """One category's opening hours; `weekdays` counts 0 = Monday to 6 = Sunday.

    Opening hours lie within one local day (no overnight shifts) and are whole
    minutes, so that `to_config` gives back exactly what `from_config` read.
    """

    timezone: str
    weekdays: frozenset[int]
    opens: time
    closes: time
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if not self.weekdays:
            raise ValueError("business hours need at least one open weekday")
        for weekday in self.weekdays:
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be an integer 0 (Monday) to 6 (Sunday), got {weekday!r}")
        for name in ("opens", "closes"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a wall-clock time without a time zone")
            if value.second or value.microsecond:
                raise ValueError(f"{name} must be a whole minute")
        if not self.opens < self.closes:
            raise ValueError("opening time must be before closing time on the same day")
        for holiday in self.holidays:
            if isinstance(holiday, datetime) or not isinstance(holiday, date):
                raise ValueError(f"holiday must be a date, got {holiday!r}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> BusinessHours | None:
        """Read the JSON a category stores; None or {} means always open.

        Example: {"timezone": "Europe/Berlin", "weekdays": [0, 1, 2, 3, 4],
        "opens": "09:00", "closes": "17:00", "holidays": ["2026-12-25"]}.
        Unknown keys are refused so that a misspelt "holiday" is not ignored.
        """
        if config is None or (isinstance(config, Mapping) and not config):
            return None
        if not isinstance(config, Mapping):
            raise ValueError("business hours must be an object")
        unknown = set(config) - _REQUIRED_KEYS - _OPTIONAL_KEYS
        if unknown:
            raise ValueError(f"unknown business hours keys: {', '.join(sorted(map(str, unknown)))}")
        missing = _REQUIRED_KEYS - set(config)
        if missing:
            raise ValueError(f"business hours are missing: {', '.join(sorted(missing))}")
        return cls(
            timezone=config["timezone"],
            weekdays=frozenset(_config_list(config["weekdays"], "weekdays")),
            opens=_parse_clock_time(config["opens"], "opens"),
            closes=_parse_clock_time(config["closes"], "closes"),
            holidays=frozenset(
                _parse_holiday(value) for value in _config_list(config.get("holidays", []), "holidays")
            ),
        )

    def to_config(self) -> dict[str, Any]:
        """The JSON form read by `from_config`, in a stable order."""
        return {
            "timezone": self.timezone,
            "weekdays": sorted(self.weekdays),
            "opens": self.opens.strftime("%H:%M"),
            "closes": self.closes.strftime("%H:%M"),
            "holidays": [holiday.isoformat() for holiday in sorted(self.holidays)],
        }

    def _open_periods_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield each open day's (opening, closing) in UTC, from the local day of `instant` on.

        Endless on purpose: there is always a later open day, because at least
        one weekday is open and the holidays are finite.
        """
        zone = _zone(self.timezone)
        day = instant.astimezone(zone).date()
        while True:
            if day.weekday() in self.weekdays and day not in self.holidays:
                opening = datetime.combine(day, self.opens, zone).astimezone(UTC)
                closing = datetime.combine(day, self.closes, zone).astimezone(UTC)
                yield opening, max(opening, closing)
            day += timedelta(days=1)


def add_business_minutes(start: datetime, minutes: int, hours: BusinessHours | None) -> datetime:
    """The instant at which `minutes` of open time have run since `start`.

    Walks whole open days, so the cost grows with the number of days spanned,
    not with the number of minutes.
    """
    start = _as_utc(start, "start")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    remaining = timedelta(minutes=minutes)
    if hours is None:
        return start + remaining
    periods = hours._open_periods_from(start)
    while True:
        opening, closing = next(periods)
        if start >= closing:
            continue
        counting_from = max(start, opening)
        if remaining <= closing - counting_from:
            return counting_from + remaining
        remaining -= closing - counting_from


def business_minutes_between(start: datetime, end: datetime, hours: BusinessHours | None) -> int:
    """Whole minutes of open time in [start, end); 0 when `end` is not after `start`.

    Used to say how far a deadline is breached, in the same clock it was set in.
    """
    start = _as_utc(start, "start")
    end = _as_utc(end, "end")
    if end <= start:
        return 0
    if hours is None:
        return (end - start) // _MINUTE
    open_time = timedelta()
    for opening, closing in hours._open_periods_from(start):
        if opening >= end:
            break
        open_time += max(timedelta(), min(closing, end) - max(opening, start))
    return open_time // _MINUTE


def sla_due_at(created_at: datetime, sla_minutes: int, hours: BusinessHours | None) -> datetime:
    """When a new thread's community window closes: the name services use for the rule."""
    return add_business_minutes(created_at, sla_minutes, hours)


def _zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"time zone must be an IANA name such as 'Europe/Berlin', got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _as_utc(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return instant.astimezone(UTC)


def _config_list(value: object, name: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list")
    return value


def _parse_clock_time(value: object, name: str) -> time:
    match = _CLOCK_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{name} must look like 'HH:MM', got {value!r}")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"{name} is not a time of day: {value!r}")
    return time(hour, minute)


def _parse_holiday(value: object) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"holiday must be a 'YYYY-MM-DD' date, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"holiday must be a 'YYYY-MM-DD' date, got {value!r}") from None
