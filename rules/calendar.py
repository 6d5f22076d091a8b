"""Working-day arithmetic on the official Chinese calendar (调休 included), as administrators keep it.

A year in the administrators' table (a ``CalendarVersion``) is the plain Mon–Fri week plus the
table's days, official or estimated as the table says. A year outside the table falls back to
``holidays.China``, which knows the State Council's schedule for the years it has been told
about and only the statutory rules (an estimate) for later ones. Deadlines that land in an
estimated year are flagged so that staff can check them once the official schedule is entered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from cms.holiday_source import package_is_official, package_year
from rules.snapshot import CalendarOverride

# Statutory days that do not depend on the lunar calendar: the last-resort estimate for years
# the holidays package cannot compute at all (before 1950, or beyond its lunar tables).
_FIXED_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))


class WorkingCalendar:
    """Answers "is this a working day" and "which is the Nth working day after" for any year.

    ``years`` lists the years of the administrators' table with whether each is official; such
    a year is exactly Mon–Fri plus ``overrides``. In any other year overrides win over the
    package, and a year the package knows nothing about falls back to weekends and the fixed
    statutory days instead of raising. Each year is computed once and kept as bytes.
    """

    def __init__(self, overrides: Iterable[CalendarOverride] = (), years: Iterable[tuple[int, bool]] = ()) -> None:
        self._overrides: dict[date, bool] = {o.date: o.is_working_day for o in overrides}
        self._override_years = frozenset(d.year for d in self._overrides)
        self._table_years: dict[int, bool] = dict(years)
        self._years: dict[int, tuple[bytes, bool]] = {}
        self._lock = threading.Lock()

    def is_working_day(self, day: date) -> bool:
        flags, _ = self._year(day.year)
        return flags[day.timetuple().tm_yday - 1] == 1

    def is_estimated(self, year: int) -> bool:
        """True when no official schedule is known for ``year`` (estimated in the table, or no data)."""
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
        table_official = self._table_years.get(year)
        if table_official is not None:
            flags = bytearray(1 if (first + timedelta(days=offset)).weekday() < 5 else 0 for offset in range(days))
            for day, working in self._overrides.items():
                if day.year == year:
                    flags[(day - first).days] = 1 if working else 0
            return bytes(flags), not table_official
        package = package_year(year)
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
        official = year in self._override_years or (package is not None and package_is_official(package, year))
        return bytes(flags), not official


@lru_cache(maxsize=32)
def calendar_for(
    overrides: tuple[CalendarOverride, ...] = (), years: tuple[tuple[int, bool], ...] = ()
) -> WorkingCalendar:
    """One shared calendar per table content, so each year is computed once per process."""
    return WorkingCalendar(overrides, years)
