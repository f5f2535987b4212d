import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.business_hours import (
    BusinessHours,
    add_business_minutes,
    business_minutes_between,
    sla_due_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessHours.from_config(
    {
        "timezone": "Europe/Berlin",
        "weekdays": [0, 1, 2, 3, 4],
        "opens": "09:00",
        "closes": "17:00",
        "holidays": ["2026-12-25"],
    }
)


def berlin(month, day, hour, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_without_business_hours_the_clock_always_runs():
    start = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)  # a Saturday night

    assert add_business_minutes(start, 90, None) == datetime(2026, 3, 8, 1, 0, tzinfo=UTC)
    assert business_minutes_between(start, start + timedelta(hours=5, seconds=59), None) == 300


def test_result_is_utc_whatever_zone_the_start_is_in():
    due = add_business_minutes(berlin(3, 3, 10), 30, OFFICE)

    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


def test_friday_afternoon_question_is_due_on_monday_morning():
    # Friday 6 March 16:30: 30 minutes before closing, the other 30 on Monday.
    assert sla_due_at(berlin(3, 6, 16, 30), 60, OFFICE) == berlin(3, 9, 9, 30)


def test_holiday_is_skipped_like_a_weekend():
    # Thursday 24 Dec 16:00: one hour on Thursday, Friday 25 is a holiday, then Monday.
    assert add_business_minutes(berlin(12, 24, 16), 120, OFFICE) == berlin(12, 28, 10)


def test_start_on_saturday_begins_counting_on_monday_opening():
    assert add_business_minutes(berlin(3, 7, 11), 30, OFFICE) == berlin(3, 9, 9, 30)


def test_start_before_opening_begins_counting_at_opening():
    assert add_business_minutes(berlin(3, 3, 7, 15), 45, OFFICE) == berlin(3, 3, 9, 45)


def test_deadline_may_fall_exactly_on_closing_time():
    assert add_business_minutes(berlin(3, 4, 16), 60, OFFICE) == berlin(3, 4, 17)


def test_start_exactly_at_closing_time_counts_from_next_opening():
    assert add_business_minutes(berlin(3, 4, 17), 1, OFFICE) == berlin(3, 5, 9, 1)
    assert business_minutes_between(berlin(3, 4, 17), berlin(3, 5, 9), OFFICE) == 0


def test_zero_minutes_is_the_start_when_open_and_the_next_opening_when_closed():
    assert add_business_minutes(berlin(3, 4, 11, 20), 0, OFFICE) == berlin(3, 4, 11, 20)
    assert add_business_minutes(berlin(3, 4, 17), 0, OFFICE) == berlin(3, 5, 9)
    assert add_business_minutes(berlin(3, 4, 11, 20), 0, None) == berlin(3, 4, 11, 20)


def test_spring_forward_weekend_keeps_opening_at_nine_local():
    # Friday 27 March is CET (UTC+1); Monday 30 March is CEST (UTC+2).
    due = add_business_minutes(berlin(3, 27, 16, 30), 60, OFFICE)

    assert due == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_fall_back_weekend_keeps_opening_at_nine_local():
    # Friday 23 October is CEST (UTC+2); Monday 26 October is CET (UTC+1).
    due = add_business_minutes(berlin(10, 23, 16, 30), 60, OFFICE)

    assert due == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)


def test_opening_hours_across_the_clock_change_count_real_elapsed_time():
    night_desk = BusinessHours("Europe/Berlin", frozenset(range(7)), time(1), time(4))

    # 01:00 CET to 04:00 CEST on 29 March is two real hours; on 25 October 01:00 CEST
    # to 04:00 CET is four.
    assert business_minutes_between(berlin(3, 29, 0), berlin(3, 29, 5), night_desk) == 120
    assert business_minutes_between(berlin(10, 25, 0), berlin(10, 25, 5), night_desk) == 240
    assert add_business_minutes(berlin(3, 29, 1), 150, night_desk) == berlin(3, 30, 1, 30)


def test_three_business_days():
    assert add_business_minutes(berlin(3, 2, 9), 1440, OFFICE) == berlin(3, 4, 17)
    # Wednesday 13:00: 4 h Wednesday, 8 h Thursday, 8 h Friday, 4 h Monday.
    assert add_business_minutes(berlin(3, 4, 13), 1440, OFFICE) == berlin(3, 9, 13)


def test_a_year_of_business_minutes_spans_the_right_number_of_days():
    # 2026 from 1 January: 261 weekdays minus the 25 December holiday = 260 days of 480 minutes.
    start = berlin(1, 1, 0)

    due = add_business_minutes(start, 260 * 480, OFFICE)

    assert due == berlin(12, 31, 17)
    assert business_minutes_between(start, due, OFFICE) == 260 * 480


def test_between_measures_open_minutes_only():
    assert business_minutes_between(berlin(3, 6, 16), berlin(3, 9, 10), OFFICE) == 120
    assert business_minutes_between(berlin(3, 6, 16), berlin(3, 6, 15), OFFICE) == 0


@pytest.mark.parametrize("hours", [OFFICE, None, BusinessHours("America/New_York", frozenset({1, 3, 5}), time(7, 30), time(12, 15))])
def test_between_is_the_inverse_of_add(hours):
    samples = random.Random(20260329)
    for _ in range(300):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=samples.randrange(366 * 86400))
        minutes = samples.choice([0, 1, 59, 60, 479, 480, 481, samples.randrange(20000)])

        due = add_business_minutes(start, minutes, hours)

        assert business_minutes_between(start, due, hours) == minutes, (start, minutes)
        assert due >= start


def test_desk_open_one_day_a_week_with_holidays_still_finds_an_opening():
    sundays_only = BusinessHours(
        "UTC", frozenset({6}), time(10), time(11), frozenset({date(2026, 3, 8), date(2026, 3, 15)})
    )

    assert add_business_minutes(datetime(2026, 3, 2, tzinfo=UTC), 30, sundays_only) == datetime(
        2026, 3, 22, 10, 30, tzinfo=UTC
    )


def test_config_round_trip():
    assert BusinessHours.from_config(OFFICE.to_config()) == OFFICE
    assert OFFICE.to_config() == {
        "timezone": "Europe/Berlin",
        "weekdays": [0, 1, 2, 3, 4],
        "opens": "09:00",
        "closes": "17:00",
        "holidays": ["2026-12-25"],
    }


@pytest.mark.parametrize("config", [None, {}])
def test_empty_config_means_always_open(config):
    assert BusinessHours.from_config(config) is None


VALID = {"timezone": "Europe/Berlin", "weekdays": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "17:00"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"timezone": ""}, "time zone"),
        ({"timezone": 1}, "time zone"),
        ({"weekdays": []}, "at least one open weekday"),
        ({"weekdays": [0, 7]}, "weekday"),
        ({"weekdays": ["1"]}, "weekday"),
        ({"weekdays": [True]}, "weekday"),
        ({"weekdays": "0-4"}, "weekdays must be a list"),
        ({"opens": "9:00"}, "HH:MM"),
        ({"opens": "24:00"}, "not a time of day"),
        ({"closes": "17:60"}, "not a time of day"),
        ({"opens": "17:00", "closes": "09:00"}, "before closing"),
        ({"opens": "09:00", "closes": "09:00"}, "before closing"),
        ({"holidays": ["2026-13-01"]}, "holiday"),
        ({"holidays": ["20261225"]}, "holiday"),
        ({"holidays": "2026-12-25"}, "holidays must be a list"),
        ({"holiday": ["2026-12-25"]}, "unknown business hours keys: holiday"),
    ],
)
def test_bad_config_is_refused_with_a_clear_message(change, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_config({**VALID, **change})


def test_config_missing_a_key_is_refused():
    with pytest.raises(ValueError, match="missing: opens"):
        BusinessHours.from_config({key: value for key, value in VALID.items() if key != "opens"})


def test_config_that_is_not_an_object_is_refused():
    with pytest.raises(ValueError, match="must be an object"):
        BusinessHours.from_config(["Europe/Berlin"])


def test_direct_construction_is_validated_too():
    with pytest.raises(ValueError, match="whole minute"):
        BusinessHours("UTC", frozenset({0}), time(9, 0, 30), time(17))
    with pytest.raises(ValueError, match="at least one open weekday"):
        BusinessHours("UTC", frozenset(), time(9), time(17))


def test_naive_datetimes_and_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(datetime(2026, 3, 2, 9), 10, OFFICE)
    with pytest.raises(ValueError, match="aware"):
        business_minutes_between(berlin(3, 2, 9), datetime(2026, 3, 2, 10), None)
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(berlin(3, 2, 9), -1, OFFICE)
