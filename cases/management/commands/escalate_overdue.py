"""Sweep for deadlines that a lost or late task missed; safe to run beside the workers.

``--every 60`` keeps it running as the timer of a small deployment (``make run`` starts it that
way); a larger one may prefer a cron job or systemd timer calling it once a minute.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from cases.escalation import sweep_overdue


class Command(BaseCommand):
    help = "检查所有已到检查时间的工单：按时限提级、记录反馈逾期，并为未完成派单决定的工单补做派单。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="本次最多检查的工单数")
        parser.add_argument(
            "--every", type=int, default=None, metavar="秒", help="常驻运行：每隔指定秒数检查一次（Ctrl+C 停止）"
        )

    def handle(self, *args, limit: int | None = None, every: int | None = None, **options) -> None:
        if every is not None and every < 1:
            raise CommandError("--every 必须是正整数（秒）。")
        verbose = options.get("verbosity", 1) >= 2

        def progress(done: int, total: int) -> None:
            if verbose and (done == total or done % 100 == 0):
                self.stdout.write(f"  {done}/{total}")

        while True:
            result = sweep_overdue(limit=limit, progress=progress)
            if every is None or result.checked or verbose:
                self.stdout.write(
                    f"检查 {result.checked} 件，提级 {result.escalated} 件，"
                    f"补做派单 {result.redecided} 件，失败 {result.failed} 件。"
                )
            if every is None:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
