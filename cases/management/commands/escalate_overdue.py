"""Sweep for deadlines that a lost or late task missed; safe to run beside the workers, e.g. every minute."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases.escalation import sweep_overdue


class Command(BaseCommand):
    help = "检查所有已到检查时间的工单：按时限提级、记录反馈逾期，并为未完成派单决定的工单补做派单。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="本次最多检查的工单数")

    def handle(self, *args, limit: int | None = None, **options) -> None:
        verbose = options.get("verbosity", 1) >= 2

        def progress(done: int, total: int) -> None:
            if verbose and (done == total or done % 100 == 0):
                self.stdout.write(f"  {done}/{total}")

        result = sweep_overdue(limit=limit, progress=progress)
        self.stdout.write(
            f"检查 {result.checked} 件，提级 {result.escalated} 件，"
            f"补做派单 {result.redecided} 件，失败 {result.failed} 件。"
        )
