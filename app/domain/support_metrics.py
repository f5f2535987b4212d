"""Staff support metrics, derived from thread timelines.

Every figure is recomputed from the timeline rather than kept in counters, so
any past period or category can be reported on and each figure can be checked
by hand against a known scenario. The definitions:

- A *response* is an 'answered' event by anyone but the asker: a *community*
  response when the actor is not staff, a *staff* response when they are.
- A thread is *resolved* from an accepted / resolution_confirmed / auto_resolved
  event, and *closed* from a 'closed' event, until a later 'reopened'.
- Only events at or before `now` count, so a report for a past `now` is stable.
- Durations are seconds from the thread's creation; shares are 0..1; a figure
  with nothing to measure is None rather than a misleading zero.
- Percentiles interpolate linearly between the closest ranks (the "inclusive"
  method, numpy's default): p of n sorted values sits at index (n - 1) * p.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter

from app.domain.business_hours import BusinessHours, add_business_minutes
from app.domain.timeline_kinds import RESOLVING_KINDS, EventKind

_SETTLING_KINDS = RESOLVING_KINDS | {EventKind.CLOSED}


@dataclass(frozen=True)
class TimelineFact:
    """One timeline event, reduced to what the metrics need to know about it."""

    kind: str
    at: datetime
    actor_is_staff: bool
    actor_is_asker: bool


@dataclass(frozen=True)
class ThreadFacts:
    """A thread as the metrics see it; built by the caller from its timeline.

    `business_hours` is the category's clock, which the staff target runs on
    just as the community window does; None means the clock always runs.
    """

    thread_id: int
    category: str
    created_at: datetime
    sla_due_at: datetime
    staff_response_minutes: int
    events: tuple[TimelineFact, ...]
    business_hours: BusinessHours | None = None


@dataclass(frozen=True)
class SupportMetrics:
    questions_asked: int
    median_first_community_response_seconds: float | None
    p90_first_community_response_seconds: float | None
    median_first_staff_response_seconds: float | None
    p90_first_staff_response_seconds: float | None
    community_before_sla_share: float | None
    self_service_rate: float | None
    staff_target_compliance: float | None
    open_queue_size: int
    median_time_to_resolution_seconds: float | None
    reopened_count: int


@dataclass(frozen=True)
class DailyPoint:
    day: date
    asked: int
    resolved: int
    escalated: int


def compute_metrics(
    facts: Iterable[ThreadFacts], period_start: datetime, period_end: datetime, now: datetime
) -> SupportMetrics:
    """The staff dashboard figures for threads created in [period_start, period_end).

    Two figures look beyond those threads, so pass every thread of the category:
    `open_queue_size` counts the whole queue as of `now`, and `reopened_count`
    counts 'reopened' events that happened in the period, whenever the thread began.
    """
    timelines = [(thread, _events_as_of(thread, now)) for thread in facts]
    asked = [(t, events) for t, events in timelines if period_start <= t.created_at < period_end]

    community_waits = _waits(asked, _is_community_response)
    staff_waits = _waits(asked, _is_staff_response)
    resolved = [(t, events) for t, events in asked if _ends_in(events, RESOLVING_KINDS)]
    first_resolutions = [(t, next(_resolutions(events), None)) for t, events in asked]
    target_outcomes = [_staff_target_met(t, events, now) for t, events in asked]
    sla_outcomes = [_answered_by_community_in_window(t, events, now) for t, events in asked]

    return SupportMetrics(
        questions_asked=len(asked),
        median_first_community_response_seconds=_percentile(community_waits, 0.5),
        p90_first_community_response_seconds=_percentile(community_waits, 0.9),
        median_first_staff_response_seconds=_percentile(staff_waits, 0.5),
        p90_first_staff_response_seconds=_percentile(staff_waits, 0.9),
        community_before_sla_share=_share_true(sla_outcomes),
        self_service_rate=_share(
            sum(not any(map(_is_staff_response, events)) for _, events in resolved), len(resolved)
        ),
        staff_target_compliance=_share_true(target_outcomes),
        open_queue_size=sum(
            any(e.kind == EventKind.ESCALATED for e in events) and not _ends_in(events, _SETTLING_KINDS)
            for _, events in timelines
        ),
        median_time_to_resolution_seconds=_percentile(
            [_seconds(t.created_at, first.at) for t, first in first_resolutions if first is not None], 0.5
        ),
        reopened_count=sum(
            e.kind == EventKind.REOPENED and period_start <= e.at < period_end
            for _, events in timelines
            for e in events
        ),
    )


def daily_trend(facts: Iterable[ThreadFacts], period_start: datetime, period_end: datetime) -> list[DailyPoint]:
    """Questions asked, resolutions and escalations per UTC day of [period_start, period_end).

    A resolution is counted when a thread becomes resolved, so an answer
    accepted while confirming the resolution is not counted twice.
    """
    if period_end <= period_start:
        return []
    asked: Counter[date] = Counter()
    resolved: Counter[date] = Counter()
    escalated: Counter[date] = Counter()
    for thread in facts:
        events = _sorted_events(thread.events)
        _count_day(asked, thread.created_at, period_start, period_end)
        for resolution in _resolutions(events):
            _count_day(resolved, resolution.at, period_start, period_end)
        for event in events:
            if event.kind == EventKind.ESCALATED:
                _count_day(escalated, event.at, period_start, period_end)
    first_day = _utc_day(period_start)
    day_count = (_utc_day(period_end - timedelta(microseconds=1)) - first_day).days + 1
    days = [first_day + timedelta(days=offset) for offset in range(day_count)]
    return [DailyPoint(day, asked[day], resolved[day], escalated[day]) for day in days]


def deflection_rate(deflected: int, asked_after_suggestions: int) -> float | None:
    """Share of people shown suggested answers who left without asking.

    deflected / (deflected + asked_after_suggestions); None when nobody saw suggestions.
    """
    if deflected < 0 or asked_after_suggestions < 0:
        raise ValueError("counts must not be negative")
    return _share(deflected, deflected + asked_after_suggestions)


def _events_as_of(thread: ThreadFacts, now: datetime) -> tuple[TimelineFact, ...]:
    return _sorted_events(e for e in thread.events if e.at <= now)


def _sorted_events(events: Iterable[TimelineFact]) -> tuple[TimelineFact, ...]:
    """Events in time order; the sort is stable, so simultaneous events keep the timeline's order."""
    return tuple(sorted(events, key=attrgetter("at")))


def _is_response(event: TimelineFact) -> bool:
    return event.kind == EventKind.ANSWERED and not event.actor_is_asker


def _is_community_response(event: TimelineFact) -> bool:
    return _is_response(event) and not event.actor_is_staff


def _is_staff_response(event: TimelineFact) -> bool:
    return _is_response(event) and event.actor_is_staff


def _first(events: Iterable[TimelineFact], wanted: Callable[[TimelineFact], bool]) -> TimelineFact | None:
    return next((e for e in events if wanted(e)), None)


def _waits(
    timelines: Iterable[tuple[ThreadFacts, tuple[TimelineFact, ...]]], wanted: Callable[[TimelineFact], bool]
) -> list[float]:
    """Seconds from creation to each thread's first wanted event, for threads that have one."""
    firsts = [(t, _first(events, wanted)) for t, events in timelines]
    return [_seconds(t.created_at, first.at) for t, first in firsts if first is not None]


def _resolutions(events: Sequence[TimelineFact]) -> Iterator[TimelineFact]:
    """The events that move a thread from unresolved to resolved."""
    resolved = False
    for event in events:
        if event.kind in RESOLVING_KINDS and not resolved:
            resolved = True
            yield event
        elif event.kind == EventKind.REOPENED:
            resolved = False


def _ends_in(events: Sequence[TimelineFact], kinds: frozenset[str]) -> bool:
    """Whether the latest event among `kinds` and 'reopened' is one of `kinds`."""
    latest = _first(reversed(events), lambda e: e.kind in kinds or e.kind == EventKind.REOPENED)
    return latest is not None and latest.kind != EventKind.REOPENED


def _answered_by_community_in_window(
    thread: ThreadFacts, events: Sequence[TimelineFact], now: datetime
) -> bool | None:
    """Whether the first response came from the community strictly before `sla_due_at`.

    None while the window is still open and nobody has responded: not yet decided.
    """
    first = _first(events, _is_response)
    if first is None:
        return None if now < thread.sla_due_at else False
    return not first.actor_is_staff and first.at < thread.sla_due_at


def _staff_target_met(thread: ThreadFacts, events: Sequence[TimelineFact], now: datetime) -> bool | None:
    """Whether staff responded within `staff_response_minutes` of the first escalation.

    None when it does not apply or is not yet decided: the thread never
    escalated; it was resolved or closed by its deadline without needing staff;
    or it is still waiting and its deadline has not passed.
    """
    escalation = _first(events, lambda e: e.kind == EventKind.ESCALATED)
    if escalation is None:
        return None
    deadline = add_business_minutes(escalation.at, thread.staff_response_minutes, thread.business_hours)
    since_escalation = [e for e in events if e.at >= escalation.at]
    response = _first(since_escalation, _is_staff_response)
    if response is not None and response.at <= deadline:
        return True
    settled = _first(since_escalation, lambda e: e.kind in _SETTLING_KINDS)
    if settled is not None and settled.at <= deadline:
        return None
    return False if now > deadline else None


def _share_true(outcomes: Iterable[bool | None]) -> float | None:
    decided = [outcome for outcome in outcomes if outcome is not None]
    return _share(sum(decided), len(decided))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percentile(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _utc_day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()


def _count_day(counter: Counter[date], instant: datetime, period_start: datetime, period_end: datetime) -> None:
    if period_start <= instant < period_end:
        counter[_utc_day(instant)] += 1
