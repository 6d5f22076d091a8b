"""What the bundled ``holidays`` package says about one year of the Chinese calendar.

The package carries the State Council's published schedule (holidays and make-up workdays) for
the years it has been told about; for later years it applies only the statutory rules, so its
answer for those years is an estimate. Kept free of models so that the working-day arithmetic
in ``rules.calendar`` can share it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date

import holidays

MAKE_UP_WORKDAY = "调休上班"


@dataclass(frozen=True, slots=True)
class PackageDay:
    """A day on which the package's calendar differs from the plain Monday–Friday week."""

    date: date
    is_working_day: bool
    name: str


def package_year(year: int) -> holidays.HolidayBase | None:
    """``holidays.China`` populated for ``year``, or None when the package has nothing for it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cn = holidays.China(years=year, language="zh_CN")
    except Exception:  # the package must never take deadline arithmetic down with it
        return None
    if not any(d.year == year for d in cn):
        return None
    return cn


def package_is_official(cn: holidays.HolidayBase, year: int) -> bool:
    """Whether the package carries the published schedule for ``year``.

    The package encodes each published State Council notice as make-up workdays
    (``weekend_workdays``) and the substituted days off (``special_public_holidays``) of
    that year; a year computed only from the statutory rules has neither.
    """
    if any(d.year == year for d in cn.weekend_workdays):
        return True
    return year in (getattr(cn, "special_public_holidays", None) or {})


def package_schedule(year: int) -> tuple[list[PackageDay], bool] | None:
    """The days of ``year`` that differ from Mon–Fri per the package, and whether they are official.

    Holidays that fall on a weekend are left out (the plain week already rests on them).
    """
    cn = package_year(year)
    if cn is None:
        return None
    days = [PackageDay(d, False, str(name)) for d, name in cn.items() if d.year == year and d.weekday() < 5]
    days += [PackageDay(d, True, MAKE_UP_WORKDAY) for d in cn.weekend_workdays if d.year == year and d.weekday() >= 5]
    days.sort(key=lambda day: day.date)
    return days, package_is_official(cn, year)
