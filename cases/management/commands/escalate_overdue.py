"""Sweep for deadlines that a lost or late task missed; safe to run beside the workers.

``--every 60`` keeps it running as the timer of a small deployment (``make run`` starts it that
way); a larger one may prefer a cron job or systemd timer calling it once a minute.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.escalation import sweep_overdue
from ops.heartbeat import Beater
from ops.models import Heartbeat
from ops.resilience import run_forever


class Command(BaseCommand):
    help = "检查所有已到检查时间的工单：按时限提级、记录反馈逾期，并为未完成派单决定的工单补做派单。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="本次最多检查的工单数")
        parser.add_argument(
            "--every", type=int, default=None, metavar="秒", help="常驻运行：每隔指定秒数检查一次（Ctrl+C 停止）"
        )

    def handle(self, *args: Any, limit: int | None = None, every: int | None = None, **options: Any) -> None:
        if every is not None and every < 1:
            raise CommandError("--every 必须是正整数（秒）。")
        verbose = options.get("verbosity", 1) >= 2

        def progress(done: int, total: int) -> None:
            if verbose and (done == total or done % 100 == 0):
                self.stdout.write(f"  {done}/{total}")

        def sweep() -> None:
            result = sweep_overdue(limit=limit, progress=progress)
            if every is None or result.checked or verbose:
                self.stdout.write(
                    f"检查 {result.checked} 件，提级 {result.escalated} 件，"
                    f"补做派单 {result.redecided} 件，失败 {result.failed} 件。"
                )
            if every is not None:
                beater.beat(force=True, checked=result.checked, escalated=result.escalated, failed=result.failed)

        if every is None:
            sweep()
            return
        # Long-running: a lost database is waited out (backoff, reconnect) instead of ending the process;
        # each completed sweep is a heartbeat, whose age /readyz and the metrics report as the sweep lag.
        beater = Beater(Heartbeat.Kind.SWEEP)
        try:
            run_forever(sweep, name="时限巡检", sleep=lambda: every)
        except KeyboardInterrupt:
            return
