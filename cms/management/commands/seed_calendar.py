"""python manage.py seed_calendar [--years 2024-2027] — fill the working calendar from the holidays package."""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cms.calendar import CalendarError, seed_years


def parse_years(text: str) -> list[int]:
    """``2026``, ``2024-2027`` or ``2024,2026``; raises ValueError with a message for a person."""
    years: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?", part)
        if match is None:
            raise ValueError(f"年份格式不正确：{part!r}，应为 2026、2024-2027 或 2024,2026。")
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise ValueError(f"年份范围 {part} 的结束年早于开始年。")
        years.update(range(first, last + 1))
    if not years:
        raise ValueError("请至少给出一个年份。")
    return sorted(years)


class Command(BaseCommand):
    help = (
        "按 holidays 包生成工作日历：包中收录了国务院办公厅放假安排（含调休上班日）的年份记为“已确认官方安排”，"
        "其余年份记为“估算”。已在工作日历中的年份不作改动，可重复执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", help="年份或范围，例如 2024-2027（默认：前两年至明年）")

    def handle(self, *args, years: str | None = None, **options):
        this_year = timezone.localdate().year
        try:
            wanted = parse_years(years) if years else list(range(this_year - 2, this_year + 2))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"生成工作日历 {wanted[0]}–{wanted[-1]} …")
        try:
            results, version = seed_years(wanted, progress=lambda r: self.stdout.write(f"  {r.line()}"))
        except CalendarError as exc:
            raise CommandError(exc.message) from exc
        created = sum(r.created for r in results)
        estimated = [str(r.year) for r in results if r.status == "estimated"]
        verdict = f"生成日历第{version.number}版" if version else "无变化"
        self.stdout.write(
            self.style.SUCCESS(f"完成（{verdict}）：新建 {created} 年，已有 {len(results) - created} 年。")
        )
        if estimated:
            self.stdout.write(
                self.style.WARNING(f"{'、'.join(estimated)}年为估算，官方安排发布后请在后台“工作日历”中录入并确认。")
            )
