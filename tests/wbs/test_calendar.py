"""Working calendars: index arithmetic, China's holidays and make-up days, fallbacks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from wbs.calendar import CalendarError, WorkCalendar
from wbs.plan import CalendarSpec


def test_standard_week_skips_the_weekend() -> None:
    calendar = WorkCalendar.named(None)
    friday = calendar.index_at(date(2027, 1, 8))
    assert calendar.start_at(friday + 1) == date(2027, 1, 11)  # Monday
    assert calendar.index_at(date(2027, 1, 9)) == friday + 1  # Saturday = Monday's index
    assert calendar.finish_at(friday + 1) == date(2027, 1, 8)
    assert calendar.count(date(2027, 1, 4), date(2027, 1, 18)) == 10


def test_china_2026_spring_festival_and_make_up_days() -> None:
    """Published 2026 arrangement (国务院办公厅通知): Spring Festival off 15-23 February,
    Saturdays 14 and 28 February worked (调休)."""
    calendar = WorkCalendar.named("CN")
    assert calendar.is_working_day(date(2026, 2, 14))  # Saturday, make-up day
    assert calendar.is_working_day(date(2026, 2, 28))
    for day in range(15, 24):
        assert not calendar.is_working_day(date(2026, 2, day))
    friday = calendar.index_at(date(2026, 2, 13))
    assert calendar.start_at(friday + 1) == date(2026, 2, 14)
    assert calendar.start_at(friday + 2) == date(2026, 2, 24)
    assert not calendar.warnings


def test_unannounced_years_keep_the_statutory_holidays_and_say_so() -> None:
    """China's arrangement for 2031 is not announced: the 13 statutory days the law fixes
    still count (Spring Festival eve and its first three days, National Day 10-01..10-03),
    the bridging days and make-up Saturdays do not, and a warning says so."""
    calendar = WorkCalendar.named("CN")
    assert not calendar.is_working_day(date(2031, 10, 1))  # National Day, by statute
    assert not calendar.is_working_day(date(2031, 10, 3))  # Friday, by statute
    assert calendar.is_working_day(date(2031, 10, 6))  # Monday: a bridging day only if announced
    assert not calendar.is_working_day(date(2027, 2, 8))  # Spring Festival, third day (Monday)
    assert calendar.is_working_day(date(2027, 2, 9))  # Tuesday: the package's guess is dropped
    assert calendar.years_without_holiday_data() == [2027, 2028, 2029, 2030, 2031]
    assert any("2031" in w and "statutory holidays only" in w for w in calendar.warnings)


def test_years_the_package_does_not_know_fall_back_to_the_week() -> None:
    calendar = WorkCalendar.named("CN")
    assert calendar.is_working_day(date(2150, 10, 1))  # a Thursday; no data at all
    assert any("no CN holiday data for 2150" in warning for warning in calendar.warnings)


def test_spec_exceptions_override_the_week() -> None:
    spec = CalendarSpec(
        "pmo",
        weekly={day: ((540, 1080),) for day in range(5)},
        exceptions={date(2027, 1, 6): (), date(2027, 1, 9): ((540, 720),)},
    )
    days = WorkCalendar.from_spec(spec, "day")
    assert not days.is_working_day(date(2027, 1, 6))
    assert days.is_working_day(date(2027, 1, 9))
    minutes = WorkCalendar.from_spec(spec, "minute")
    assert minutes.count(datetime(2027, 1, 8, 9), datetime(2027, 1, 11, 9)) == 540 + 180


def test_minute_calendar_start_and_finish_forms() -> None:
    calendar = WorkCalendar.named("standard", "minute")
    monday = calendar.index_at(datetime(2027, 1, 4, 8))
    assert calendar.finish_at(monday + 480) == datetime(2027, 1, 4, 17)
    assert calendar.start_at(monday + 480) == datetime(2027, 1, 5, 8)
    assert calendar.start_at(monday + 240) == datetime(2027, 1, 4, 13)
    assert calendar.finish_at(monday + 240) == datetime(2027, 1, 4, 12)
    assert calendar.index_at(datetime(2027, 1, 4, 12, 30)) == monday + 240


def test_a_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(CalendarError):
        WorkCalendar({}, "day")
    with pytest.raises(CalendarError):
        WorkCalendar.named("XX-not-a-country")


def test_vectorised_dates_match_scalar_ones() -> None:
    import numpy as np

    calendar = WorkCalendar.named("CN")
    base = calendar.index_at(date(2026, 1, 1))
    indices = np.arange(base - 3, base + 300, dtype=np.int64)
    starts = calendar.dates_of(indices).astype(object).tolist()
    finishes = calendar.dates_of(indices, finish=True).astype(object).tolist()
    assert starts == [calendar.start_at(int(i)) for i in indices]
    assert finishes == [calendar.finish_at(int(i)) for i in indices]
