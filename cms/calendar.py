"""Workflows of the working-calendar table: seeding from the holidays package, edits, confirmation.

Every change ends in ``record_version``, which freezes the table as the next ``CalendarVersion``;
saving a version bumps the configuration stamp (``cms.signals``), so running processes compute
new deadlines on it within a second while stored deadlines keep the version they used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import holidays
from django.db import IntegrityError, transaction
from django.utils import timezone

from .holiday_source import MAKE_UP_WORKDAY, package_schedule
from .models.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarDay,
    CalendarStatus,
    CalendarVersion,
    CalendarYear,
    DaySource,
    plain_week_working,
)


class CalendarError(Exception):
    """A calendar request an administrator can correct; ``message`` says how."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class YearSeed:
    year: int
    status: str
    created: bool
    days_added: int

    def line(self) -> str:
        label = CalendarStatus(self.status).label
        if not self.created:
            return f"{self.year}年：已在工作日历中（{label}），未改动"
        return f"{self.year}年：新建（{label}），录入{self.days_added}个调整日"


def version_content() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The table as a version stores it: year → status, and every day that differs from Mon–Fri."""
    years = {str(y): s for y, s in CalendarYear.objects.order_by("year").values_list("year", "status")}
    days = [
        {"date": d.isoformat(), "working": working, "name": name}
        for d, working, name in CalendarDay.objects.order_by("date").values_list("date", "is_working_day", "name")
    ]
    return years, days


def record_version(summary: str, *, user: Any = None) -> CalendarVersion | None:
    """Freeze the table as the next version; None when nothing changed since the latest one."""
    missing = {d.year for d in CalendarDay.objects.dates("date", "year")} - set(
        CalendarYear.objects.values_list("year", flat=True)
    )
    for year in sorted(missing):
        seed_year(year)
    for _ in range(3):
        try:
            with transaction.atomic():
                latest = CalendarVersion.objects.select_for_update().order_by("-number").first()
                years, days = version_content()
                if latest is not None and latest.years == years and latest.days == days:
                    return None
                return CalendarVersion.objects.create(
                    number=(latest.number if latest else 0) + 1,
                    created_by=user if getattr(user, "pk", None) else None,
                    summary=summary[:255],
                    years=years,
                    days=days,
                )
        except IntegrityError:
            continue  # a concurrent edit took the number; read again
    raise CalendarError("工作日历正被同时修改，请稍后重试。", code="concurrent_edit")


def latest_version() -> CalendarVersion | None:
    return CalendarVersion.objects.order_by("-number").first()


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarError(f"年份须在{FIRST_YEAR}—{LAST_YEAR}之间，收到 {year}。", code="year_out_of_range")


def seed_year(year: int) -> YearSeed:
    """Add ``year`` from the holidays package unless the table has it already (then change nothing).

    A year the package carries officially (make-up workdays present) is entered as confirmed,
    any other as an estimate. Days an administrator entered before are kept.
    """
    _check_year(year)
    existing = CalendarYear.objects.filter(year=year).first()
    if existing is not None:
        return YearSeed(year, existing.status, False, 0)
    with transaction.atomic():
        row, created = CalendarYear.objects.get_or_create(year=year)
        if not created:
            return YearSeed(year, row.status, False, 0)
        added = fill_year(row)
    return YearSeed(year, row.status, True, added)


def fill_year(row: CalendarYear) -> int:
    """Give a freshly added year the package's status and days; returns how many days were added."""
    schedule = package_schedule(row.year)
    days, official = schedule if schedule is not None else ([], False)
    row.status = CalendarStatus.OFFICIAL if official else CalendarStatus.ESTIMATED
    row.confirmed_at = timezone.now() if official else None
    if not row.note:
        row.note = (
            f"由 holidays {holidays.__version__} 收录的国务院办公厅放假安排生成。"
            if official
            else f"由 holidays {holidays.__version__} 按法定假日规则推算，不含调休上班日；官方安排发布后请录入并确认。"
        )
    row.save(update_fields=["status", "confirmed_at", "note"])
    source = DaySource.OFFICIAL if official else DaySource.ESTIMATED
    taken = set(CalendarDay.objects.filter(date__year=row.year).values_list("date", flat=True))
    new = [
        CalendarDay(date=d.date, is_working_day=d.is_working_day, name=d.name[:64], source=source)
        for d in days
        if d.date not in taken
    ]
    CalendarDay.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def remove_years(years: Iterable[int], *, user: Any = None) -> CalendarVersion | None:
    """Take years out of the table (with their days): they fall back to the holidays package."""
    years = sorted(set(years))
    with transaction.atomic():
        CalendarDay.objects.filter(date__year__in=years).delete()
        CalendarYear.objects.filter(year__in=years).delete()
        return record_version(f"删除{'、'.join(str(y) for y in years)}年", user=user)


def seed_years(
    years: Iterable[int], *, user: Any = None, progress: Callable[[YearSeed], None] | None = None
) -> tuple[list[YearSeed], CalendarVersion | None]:
    """Seed each year (idempotent) and record one version for the lot if anything changed."""
    results = []
    for year in years:
        result = seed_year(year)
        results.append(result)
        if progress:
            progress(result)
    added = [str(r.year) for r in results if r.created]
    version = record_version(f"从节假日数据生成 {'、'.join(added)} 年", user=user) if added else None
    return results, version


def confirm_year(year: int, *, user: Any = None, now: datetime | None = None) -> CalendarVersion | None:
    """确认为官方安排: the year's days as they stand are the State Council's schedule."""
    _check_year(year)
    now = now or timezone.now()
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first()
        if row is None:
            raise CalendarError(f"工作日历中还没有{year}年，请先录入该年的节假日与调休。", code="year_missing")
        if row.is_official:
            raise CalendarError(f"{year}年已确认为官方安排，无需重复确认。", code="already_confirmed")
        row.status = CalendarStatus.OFFICIAL
        row.confirmed_by = user if getattr(user, "pk", None) else None
        row.confirmed_at = now
        row.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        CalendarDay.objects.filter(date__year=year, source=DaySource.ESTIMATED).update(source=DaySource.OFFICIAL)
        return record_version(f"确认{year}年为官方安排", user=user)


def describe_day_change(action: str, day: CalendarDay) -> str:
    kind = "上班" if day.is_working_day else "放假"
    return f"{action} {day.date:%Y-%m-%d} {day.name or kind}（{kind}）"


def apply_reference_workdays(days: Iterable[date], *, note: str) -> tuple[list[str], CalendarVersion | None]:
    """Make-up workdays a reference file states as official: enter them and confirm their years.

    Returns, per day, whether the table gained it (``created``), changed it (``updated``) or
    already held it (``unchanged``), and the version recorded (None when nothing changed).
    """
    listed = sorted(set(days))
    for day in listed:
        _check_year(day.year)
        if plain_week_working(day):
            raise CalendarError(f"{day:%Y-%m-%d}是周一至周五，不能作为调休上班日。", code="not_a_weekend")
    before = {d.date: d for d in CalendarDay.objects.filter(date__in=listed)}
    outcomes = []
    with transaction.atomic():
        for year in sorted({d.year for d in listed}):
            seed_year(year)
            CalendarYear.objects.filter(year=year, status=CalendarStatus.ESTIMATED).update(
                status=CalendarStatus.OFFICIAL, confirmed_at=timezone.now(), note=note
            )
            CalendarDay.objects.filter(date__year=year, source=DaySource.ESTIMATED).update(source=DaySource.OFFICIAL)
        for day in listed:
            old = before.get(day)
            if old is not None and old.is_working_day:
                outcomes.append("unchanged")
                continue
            outcomes.append("created" if old is None else "updated")
            CalendarDay.objects.update_or_create(
                date=day,
                defaults={"is_working_day": True, "name": MAKE_UP_WORKDAY, "source": DaySource.OFFICIAL},
            )
    if not listed:
        return outcomes, None
    years = "、".join(str(y) for y in sorted({d.year for d in listed}))
    return outcomes, record_version(f"参考数据：{years}年调休上班日", user=None)
