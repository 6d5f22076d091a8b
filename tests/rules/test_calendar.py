"""The working calendar: official 2026 schedule with 调休, estimated 2027, any year without failing."""

from __future__ import annotations

from datetime import date

import pytest

from rules.calendar import WorkingCalendar, calendar_for
from rules.snapshot import CalendarOverride


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
)
def test_2026_make_up_weekend_days_are_working_days(cal, day):
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert cal.is_working_day(d) is True


@pytest.mark.parametrize(
    "day",
    [
        "2026-01-01",
        "2026-01-02",
        "2026-02-16",
        "2026-02-20",
        "2026-02-23",
        "2026-04-06",
        "2026-05-01",
        "2026-05-05",
        "2026-06-19",
        "2026-09-25",
        "2026-10-01",
        "2026-10-07",
    ],
)
def test_2026_holidays_are_not_working_days(cal, day):
    assert cal.is_working_day(date.fromisoformat(day)) is False


def test_ordinary_weekdays_and_weekends(cal):
    assert cal.is_working_day(date(2026, 3, 10)) is True  # Tuesday
    assert cal.is_working_day(date(2026, 3, 14)) is False  # Saturday


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        ("2026-09-30", 1, "2026-10-08"),  # National Day eve: the holiday week is skipped
        ("2026-09-30", 3, "2026-10-10"),  # ... and the make-up Saturday counts
        ("2026-10-03", 3, "2026-10-10"),  # received during the holiday
        ("2026-10-09", 1, "2026-10-10"),  # Friday, then the make-up Saturday
        ("2026-10-10", 1, "2026-10-12"),  # received on the make-up Saturday itself: it does not count
        ("2026-09-19", 1, "2026-09-20"),  # make-up Sunday
        ("2026-02-13", 3, "2026-02-25"),  # Spring Festival eve: 2-14 Saturday counts, then 2-24, 2-25
        ("2026-04-30", 1, "2026-05-06"),  # Labour Day eve
        ("2026-04-30", 5, "2026-05-11"),  # ... with 5-9 Saturday working
        ("2026-03-21", 3, "2026-03-25"),  # received on a Saturday: counting starts Monday
        ("2026-12-31", 1, "2027-01-04"),  # turn of the year into estimated 2027
        ("2026-12-28", 5, "2027-01-05"),
        ("2026-03-10", 0, "2026-03-10"),
    ],
)
def test_add_working_days(cal, received, n, expected):
    assert cal.add_working_days(date.fromisoformat(received), n) == date.fromisoformat(expected)


def test_negative_working_days_are_refused(cal):
    with pytest.raises(ValueError, match="不能为负数"):
        cal.add_working_days(date(2026, 3, 10), -1)


def test_official_and_estimated_years(cal):
    assert cal.is_estimated(2025) is False
    assert cal.is_estimated(2026) is False
    assert cal.is_estimated(2027) is True
    assert cal.is_estimated(2035) is True


@pytest.mark.parametrize("year", [1900, 1949, 2035, 2099, 2100, 2150, 2500])
def test_any_year_is_answered_without_raising(cal, year):
    assert cal.is_estimated(year) is True
    start = date(year, 3, 1)
    result = cal.add_working_days(start, 10)
    assert start < result <= date(year, 3, 31)
    assert cal.is_working_day(date(year, 1, 1)) is False  # New Year's Day, estimated or not


def test_2099_uses_the_package_estimate(cal):
    # The lunar new year of 2099 falls on 21 January (a Wednesday); the estimate knows it.
    assert cal.is_working_day(date(2099, 1, 21)) is False
    assert cal.is_working_day(date(2099, 1, 27)) is True


def test_far_year_without_package_data_falls_back_to_fixed_days(cal):
    assert cal.is_working_day(date(2150, 10, 2)) is False  # National Day, a Friday
    assert cal.is_working_day(date(2150, 10, 5)) is True  # the Monday after


def test_overrides_win_and_make_the_year_official():
    overrides = (
        CalendarOverride(date(2027, 1, 2), True, "调休上班"),
        CalendarOverride(date(2027, 1, 4), False, "元旦调休"),
    )
    cal = WorkingCalendar(overrides)
    assert cal.is_estimated(2027) is False
    assert cal.is_working_day(date(2027, 1, 2)) is True
    assert cal.is_working_day(date(2027, 1, 4)) is False
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 2)
    assert cal.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 5)


def test_override_can_cancel_a_package_holiday():
    cal = WorkingCalendar((CalendarOverride(date(2026, 10, 8), False, "延长假期"),))
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)


def test_working_days_between(cal):
    # 3-18 .. 3-24: Wed, Thu, Fri, (Sat, Sun), Mon, Tue
    assert cal.working_days_between(date(2026, 3, 17), date(2026, 3, 24)) == 5
    assert cal.working_days_between(date(2026, 3, 17), date(2026, 3, 17)) == 0


def test_calendars_are_shared_per_set_of_overrides():
    assert calendar_for(()) is calendar_for(())
    one = (CalendarOverride(date(2027, 1, 2), True),)
    assert calendar_for(one) is calendar_for(one)
    assert calendar_for(one) is not calendar_for(())


def test_a_year_of_the_table_is_the_plain_week_plus_its_days():
    days = (CalendarOverride(date(2026, 10, 8), False, "国庆节"), CalendarOverride(date(2026, 10, 10), True))
    cal = WorkingCalendar(days, years=((2026, True), (2027, False)))
    assert cal.is_working_day(date(2026, 10, 1)) is True  # not in the table: an ordinary Thursday
    assert cal.is_working_day(date(2026, 10, 8)) is False
    assert cal.is_working_day(date(2026, 10, 10)) is True
    assert (cal.is_estimated(2026), cal.is_estimated(2027)) == (False, True)
    assert cal.is_working_day(date(2027, 1, 1)) is True  # an estimated table year without days
    assert cal.is_working_day(date(2028, 1, 3)) is False  # outside the table: the package (元旦 observed)
