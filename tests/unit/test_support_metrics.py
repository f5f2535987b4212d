from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.domain.business_hours import BusinessHours
from app.domain.support_metrics import (
    DailyPoint,
    SupportMetrics,
    ThreadFacts,
    TimelineFact,
    compute_metrics,
    daily_trend,
    deflection_rate,
)
from app.domain.timeline_kinds import EventKind as K


def at(day, hour, minute=0):
    """An instant in March 2026, UTC. 2 March 2026 is a Monday."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def by_asker(kind, when):
    return TimelineFact(kind, when, actor_is_staff=False, actor_is_asker=True)


def by_member(kind, when):
    return TimelineFact(kind, when, actor_is_staff=False, actor_is_asker=False)


def by_staff(kind, when):
    return TimelineFact(kind, when, actor_is_staff=True, actor_is_asker=False)


def by_system(kind, when):
    return TimelineFact(kind, when, actor_is_staff=False, actor_is_asker=False)


def thread(thread_id, created, *events, sla_minutes=60, staff_minutes=120, hours=None):
    return ThreadFacts(
        thread_id=thread_id,
        category="billing",
        created_at=created,
        sla_due_at=created + timedelta(minutes=sla_minutes),
        staff_response_minutes=staff_minutes,
        events=(by_asker(K.CREATED, created), *events),
        business_hours=hours,
    )


PERIOD_START, PERIOD_END = at(2, 0), at(5, 0)  # Monday 2 to Wednesday 4 March inclusive
NOW = at(6, 12)

# Every thread uses the plain clock, a 60-minute community window and a
# 120-minute staff target unless it says otherwise.
SCENARIO = [
    # T1: the community answers in 20 min, the asker accepts at 50 min. Self-service.
    thread(1, at(2, 9), by_member(K.ANSWERED, at(2, 9, 20)), by_asker(K.ACCEPTED, at(2, 9, 50))),
    # T2: the asker's own answer is no response; the community answers at 40 min. Unresolved.
    thread(2, at(2, 12), by_asker(K.ANSWERED, at(2, 12, 10)), by_member(K.ANSWERED, at(2, 12, 40))),
    # T3: escalated at 16:00, staff answer at 17:00 (within target 18:00), the asker
    # confirms and accepts at the same instant: one resolution, not two.
    thread(
        3,
        at(2, 15),
        by_system(K.ESCALATED, at(2, 16)),
        by_staff(K.CLAIMED, at(2, 16, 10)),
        by_staff(K.ANSWERED, at(2, 17)),
        by_asker(K.RESOLUTION_CONFIRMED, at(2, 18)),
        by_asker(K.ACCEPTED, at(2, 18)),
    ),
    # T4: escalated 09:00, community answer 09:30 (after the window), staff answer 12:00
    # (target was 11:00: breached), asker says "no" at 13:00 and it escalates again. Open.
    thread(
        4,
        at(3, 8),
        by_system(K.ESCALATED, at(3, 9)),
        by_member(K.ANSWERED, at(3, 9, 30)),
        by_staff(K.DEPARTMENT_ESCALATED, at(3, 10)),
        by_staff(K.ANSWERED, at(3, 12)),
        by_asker(K.REOPENED, at(3, 13)),
        by_system(K.ESCALATED, at(3, 13)),
    ),
    # T5: staff answer first (10:30), community at 10:45, auto-resolved a day after creation.
    thread(
        5,
        at(3, 10),
        by_staff(K.ANSWERED, at(3, 10, 30)),
        by_member(K.ANSWERED, at(3, 10, 45)),
        by_system("pinned", at(3, 11)),  # an unknown kind is ignored
        by_system(K.AUTO_RESOLVED, at(4, 10)),
    ),
    # T6: escalated 10:00, the community answers at 10:20 and the asker accepts at 11:00,
    # before the staff deadline 12:00: no staff answer was needed, so no compliance verdict.
    thread(
        6,
        at(4, 9),
        by_system(K.ESCALATED, at(4, 10)),
        by_member(K.ANSWERED, at(4, 10, 20)),
        by_asker(K.ACCEPTED, at(4, 11)),
    ),
    # T7: a 37-hour window ends 6 March 11:00 unanswered; escalated then, staff deadline
    # 13:00 is after NOW: compliance not decided yet. Open.
    thread(7, at(4, 22), by_system(K.ESCALATED, at(6, 11)), sla_minutes=37 * 60),
    # T8: a 48-hour window still open at NOW with no response: not decided for the window share.
    thread(8, at(4, 20), sla_minutes=48 * 60),
    # T9: escalated 07:00, nobody from staff answered; deadline 09:00 long past: breached. Open.
    thread(9, at(4, 6), by_system(K.ESCALATED, at(4, 7))),
    # Outside the period, but part of the queue and of the period's reopen count:
    # T10 resolved on 1 March, reopened on 2 March: back in the queue.
    thread(
        10,
        at(1, 10),
        by_system(K.ESCALATED, at(1, 11)),
        by_staff(K.ANSWERED, at(1, 12)),
        by_asker(K.ACCEPTED, at(1, 13)),
        by_asker(K.REOPENED, at(2, 10)),
    ),
    # T11 escalated and then closed: not in the queue.
    thread(11, at(1, 8), by_system(K.ESCALATED, at(1, 9)), by_staff(K.CLOSED, at(2, 9))),
    # T12 created after the period; its closing lies after NOW, so as of NOW it is queued.
    thread(12, at(6, 9), by_system(K.ESCALATED, at(6, 10)), by_staff(K.CLOSED, at(6, 13))),
]


@pytest.fixture
def metrics():
    return compute_metrics(SCENARIO, PERIOD_START, PERIOD_END, NOW)


def test_questions_asked_counts_threads_created_in_the_period(metrics):
    # T1..T9; T10 and T11 are older, T12 newer.
    assert metrics.questions_asked == 9


def test_time_to_first_community_response(metrics):
    # T1 20 min = 1200 s, T2 40 min = 2400 s, T4 90 min = 5400 s, T5 45 min = 2700 s,
    # T6 80 min = 4800 s. Sorted 1200, 2400, 2700, 4800, 5400.
    # Median: index 4 * 0.5 = 2 -> 2700. p90: index 4 * 0.9 = 3.6 -> 4800 + 0.6 * 600 = 5160.
    assert metrics.median_first_community_response_seconds == pytest.approx(2700)
    assert metrics.p90_first_community_response_seconds == pytest.approx(5160)


def test_time_to_first_staff_response(metrics):
    # T3 2 h = 7200 s, T4 4 h = 14400 s, T5 30 min = 1800 s. Sorted 1800, 7200, 14400.
    # Median: index 1 -> 7200. p90: index 2 * 0.9 = 1.8 -> 7200 + 0.8 * 7200 = 12960.
    assert metrics.median_first_staff_response_seconds == pytest.approx(7200)
    assert metrics.p90_first_staff_response_seconds == pytest.approx(12960)


def test_community_before_sla_share(metrics):
    # Decided: all but T8 (window open, no response) = 8. Community first and in time:
    # T1 (09:20 < 10:00) and T2 (12:40 < 13:00). T4 and T6 were late, T5's first was staff,
    # T3, T7, T9 had no response in the window. 2 / 8.
    assert metrics.community_before_sla_share == pytest.approx(0.25)


def test_an_answer_exactly_at_sla_due_at_is_not_before_the_sla():
    on_the_dot = thread(1, at(2, 9), by_member(K.ANSWERED, at(2, 10)))

    metrics = compute_metrics([on_the_dot], PERIOD_START, PERIOD_END, NOW)

    assert metrics.community_before_sla_share == 0.0


def test_self_service_rate(metrics):
    # Resolved as of NOW: T1, T3, T5, T6 (T4 was reopened). Without any staff answer: T1, T6.
    assert metrics.self_service_rate == pytest.approx(0.5)


def test_staff_target_compliance(metrics):
    # Escalated: T3 met, T4 breached (answer 12:00 > 11:00), T9 breached (no answer, past 09:00);
    # T6 settled without staff and T7 not yet due are left out. 1 / 3.
    assert metrics.staff_target_compliance == pytest.approx(1 / 3)


def test_open_queue_size_counts_every_thread_as_of_now(metrics):
    # Escalated and neither resolved nor closed at NOW: T4, T7, T9, T10 (reopened), T12
    # (its closing is after NOW). Not T3, T6 (resolved), T11 (closed).
    assert metrics.open_queue_size == 5


def test_median_time_to_resolution(metrics):
    # First resolution: T1 50 min = 3000 s, T3 3 h = 10800 s, T5 24 h = 86400 s, T6 2 h = 7200 s.
    # Sorted 3000, 7200, 10800, 86400: index 1.5 -> (7200 + 10800) / 2 = 9000.
    assert metrics.median_time_to_resolution_seconds == pytest.approx(9000)


def test_reopened_count_counts_reopen_events_in_the_period(metrics):
    # T4 on 3 March and T10 (created before the period) on 2 March.
    assert metrics.reopened_count == 2


def test_daily_trend_has_one_point_per_utc_day():
    # 2 March: asked T1, T2, T3; resolved T1 and T3 (confirm + accept is one); escalated T3.
    # 3 March: asked T4, T5; escalated T4 twice.
    # 4 March: asked T6, T7, T8, T9; resolved T5 (auto) and T6; escalated T6, T9.
    assert daily_trend(SCENARIO, PERIOD_START, PERIOD_END) == [
        DailyPoint(date(2026, 3, 2), asked=3, resolved=2, escalated=1),
        DailyPoint(date(2026, 3, 3), asked=2, resolved=0, escalated=2),
        DailyPoint(date(2026, 3, 4), asked=4, resolved=2, escalated=2),
    ]


def test_daily_trend_counts_a_resolution_again_after_a_reopen():
    facts = [
        thread(
            1,
            at(2, 9),
            by_asker(K.ACCEPTED, at(2, 10)),
            by_asker(K.UNACCEPTED, at(2, 11)),
            by_asker(K.REOPENED, at(2, 11)),
            by_asker(K.ACCEPTED, at(3, 10)),
        )
    ]

    assert [point.resolved for point in daily_trend(facts, at(2, 0), at(4, 0))] == [1, 1]


def test_daily_trend_of_a_partial_day_counts_only_inside_the_period():
    facts = [thread(1, at(2, 9)), thread(2, at(2, 15)), thread(3, at(3, 11))]

    assert daily_trend(facts, at(2, 12), at(3, 12)) == [
        DailyPoint(date(2026, 3, 2), asked=1, resolved=0, escalated=0),
        DailyPoint(date(2026, 3, 3), asked=1, resolved=0, escalated=0),
    ]


def test_daily_trend_of_an_empty_period():
    assert daily_trend(SCENARIO, at(3, 0), at(3, 0)) == []
    assert daily_trend([], at(3, 0), at(4, 0)) == [DailyPoint(date(2026, 3, 3), 0, 0, 0)]


def test_empty_period_gives_zeros_and_no_data():
    # Only T10, created before the period, exists: still counted in the queue.
    assert compute_metrics([SCENARIO[9]], at(3, 0), at(4, 0), NOW) == SupportMetrics(
        questions_asked=0,
        median_first_community_response_seconds=None,
        p90_first_community_response_seconds=None,
        median_first_staff_response_seconds=None,
        p90_first_staff_response_seconds=None,
        community_before_sla_share=None,
        self_service_rate=None,
        staff_target_compliance=None,
        open_queue_size=1,
        median_time_to_resolution_seconds=None,
        reopened_count=0,
    )
    assert compute_metrics([], at(3, 0), at(4, 0), NOW).open_queue_size == 0


def test_without_escalations_compliance_is_none():
    metrics = compute_metrics(SCENARIO[:2], PERIOD_START, PERIOD_END, NOW)

    assert metrics.staff_target_compliance is None
    assert metrics.open_queue_size == 0
    assert metrics.median_first_staff_response_seconds is None


def test_percentiles_of_a_single_value_are_that_value():
    metrics = compute_metrics(SCENARIO[:1], PERIOD_START, PERIOD_END, NOW)

    assert metrics.median_first_community_response_seconds == 1200
    assert metrics.p90_first_community_response_seconds == 1200


def test_staff_asking_and_answering_their_own_question_is_no_staff_response():
    own = TimelineFact(K.ANSWERED, at(2, 9, 30), actor_is_staff=True, actor_is_asker=True)
    metrics = compute_metrics([thread(1, at(2, 9), own)], PERIOD_START, PERIOD_END, NOW)

    assert metrics.median_first_staff_response_seconds is None
    assert metrics.community_before_sla_share == 0.0


def test_events_after_now_are_not_seen():
    facts = [thread(1, at(2, 9), by_member(K.ANSWERED, at(2, 9, 20)), by_asker(K.ACCEPTED, at(2, 9, 50)))]

    metrics = compute_metrics(facts, PERIOD_START, PERIOD_END, now=at(2, 9, 30))

    assert metrics.median_time_to_resolution_seconds is None
    assert metrics.self_service_rate is None
    assert metrics.median_first_community_response_seconds == 1200


WEEKDAYS_9_TO_5 = BusinessHours("UTC", frozenset(range(5)), time(9), time(17))


def test_staff_target_runs_on_the_category_business_hours():
    # Escalated Friday 6 March 16:30 with a 60-minute target: 30 minutes on Friday and
    # 30 on Monday, so the deadline is Monday 9 March 09:30 and an answer at 09:15 is in time.
    facts = [
        thread(
            1,
            at(6, 15, 30),
            by_system(K.ESCALATED, at(6, 16, 30)),
            by_staff(K.ANSWERED, at(9, 9, 15)),
            staff_minutes=60,
            hours=WEEKDAYS_9_TO_5,
        )
    ]

    metrics = compute_metrics(facts, at(6, 0), at(7, 0), now=at(10, 0))

    assert metrics.staff_target_compliance == 1.0


@pytest.mark.parametrize(
    ("answer_at", "now", "compliance"),
    [
        (at(2, 11), at(2, 12), 1.0),  # answered exactly at the deadline: in time
        (None, at(2, 11), None),  # deadline reached but not passed: undecided
        (None, at(2, 11) + timedelta(seconds=1), 0.0),  # a second past it: breached
        (at(2, 11, 1), at(2, 12), 0.0),  # answered a minute late
    ],
)
def test_staff_target_boundaries(answer_at, now, compliance):
    # Created 08:00, escalated 09:00: with the 120-minute target the deadline is 11:00.
    events = [by_system(K.ESCALATED, at(2, 9))]
    if answer_at is not None:
        events.append(by_staff(K.ANSWERED, answer_at))

    metrics = compute_metrics([thread(1, at(2, 8), *events)], PERIOD_START, PERIOD_END, now)

    assert metrics.staff_target_compliance == compliance


def test_deflection_rate():
    assert deflection_rate(3, 1) == 0.75
    assert deflection_rate(0, 5) == 0.0
    assert deflection_rate(0, 0) is None
    with pytest.raises(ValueError):
        deflection_rate(-1, 3)
