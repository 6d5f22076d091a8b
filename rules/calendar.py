"""Working-day arithmetic on the official Chinese calendar (调休 included) with admin overrides.

``holidays.China`` knows the State Council's yearly schedule, make-up workdays included, for
the years it has been told about; for later years it only applies the statutory rules, which
is an estimate. Deadlines that land in such a year are flagged so that staff can check them
once the official schedule is published (admins then enter it as overrides).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

from rules.snapshot import CalendarOverride

# Statutory days that do not depend on the lunar calendar: the last-resort estimate for years
# the holidays package cannot compute at all (before 1950, or beyond its lunar tables).
_FIXED_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))


class WorkingCalendar:
    """Answers "is this a working day" and "which is the Nth working day after" for any year.

    Overrides entered by administrators win over the package. Each year is computed once
    and kept; a year the package knows nothing about falls back to weekends and the fixed
    statutory days instead of raising.
    """

    def __init__(self, overrides: Iterable[CalendarOverride] = ()) -> None:
        self._overrides: dict[date, bool] = {o.date: o.is_working_day for o in overrides}
        self._override_years = frozenset(d.year for d in self._overrides)
        self._years: dict[int, tuple[bytes, bool]] = {}
        self._lock = threading.Lock()

    def is_working_day(self, day: date) -> bool:
        flags, _ = self._year(day.year)
        return flags[day.timetuple().tm_yday - 1] == 1

    def is_estimated(self, year: int) -> bool:
        """True when no official schedule is known for ``year`` (neither overrides nor package data)."""
        return self._year(year)[1]

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day strictly after ``day`` (the day of receipt never counts)."""
        if n < 0:
            raise ValueError("工作日数不能为负数")
        current = day
        remaining = n
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def _year(self, year: int) -> tuple[bytes, bool]:
        cached = self._years.get(year)
        if cached is None:
            with self._lock:
                cached = self._years.get(year)
                if cached is None:
                    cached = self._compute_year(year)
                    self._years[year] = cached
        return cached

    def _compute_year(self, year: int) -> tuple[bytes, bool]:
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days if year < 9999 else 365
        package = _package_year(year)
        flags = bytearray(days)
        for offset in range(days):
            day = first + timedelta(days=offset)
            override = self._overrides.get(day)
            if override is not None:
                working = override
            elif package is not None:
                working = package.is_working_day(day)
            else:
                working = day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS
            flags[offset] = 1 if working else 0
        official = year in self._override_years or (package is not None and _package_is_official(package, year))
        return bytes(flags), not official


def _package_year(year: int) -> holidays.HolidayBase | None:
    """``holidays.China`` populated for ``year``, or None when the package has nothing for it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cn = holidays.China(years=year)
    except Exception:  # the package must never take deadline arithmetic down with it
        return None
    if not any(d.year == year for d in cn):
        return None
    return cn


def _package_is_official(cn: holidays.HolidayBase, year: int) -> bool:
    """Whether the package carries the published schedule for ``year``.

    The package encodes each published State Council notice as make-up workdays
    (``weekend_workdays``) and the substituted days off (``special_public_holidays``) of
    that year; a year computed only from the statutory rules has neither.
    """
    if any(d.year == year for d in cn.weekend_workdays):
        return True
    return year in (getattr(cn, "special_public_holidays", None) or {})


@lru_cache(maxsize=32)
def calendar_for(overrides: tuple[CalendarOverride, ...] = ()) -> WorkingCalendar:
    """One shared calendar per set of overrides, so each year is computed once per process."""
    return WorkingCalendar(overrides)
