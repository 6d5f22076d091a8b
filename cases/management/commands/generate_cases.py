"""Make realistic cases for demos and benchmarks: ``manage.py generate_cases --count 10000``."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cases.generator import generate_cases


class ProgressBar:
    """A one-line text bar, redrawn in place on a terminal and every 10 % otherwise."""

    def __init__(self, stream: TextIO, total: int, width: int = 30) -> None:
        self.stream, self.total, self.width = stream, total, width
        self.started = time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        decile = int(share * 10)
        if not self.tty and decile == self.last_decile and done != total:
            return
        self.last_decile = decile
        filled = int(self.width * share)
        rate = done / max(time.monotonic() - self.started, 1e-6)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {share:6.1%} {done}/{total}  {rate:,.0f} 件/秒"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        if self.tty and done == total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "按参考数据生成逼真的工单，用于演示和基准测试（批量写入，不经过规则引擎）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="生成的工单数")
        parser.add_argument("--days", type=int, default=365, help="受理时间分布在最近多少天内（默认365）")
        parser.add_argument("--open-ratio", type=float, default=0.15, help="三天前受理的工单中仍在办理的比例")
        parser.add_argument("--seed", type=int, default=0, help="随机种子，相同种子生成相同数据")
        parser.add_argument("--no-events", action="store_true", help="不写办理过程事件（更快）")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(
        self,
        *args: Any,
        count: int,
        days: int,
        open_ratio: float,
        seed: int,
        no_events: bool,
        batch_size: int,
        **options: Any,
    ) -> None:
        if count <= 0:
            raise CommandError("--count 必须是正整数。")
        if not 0 <= open_ratio <= 1:
            raise CommandError("--open-ratio 应在 0 到 1 之间。")
        now = timezone.now()
        stream = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
        started = time.monotonic()
        try:
            made = generate_cases(
                count,
                start=now - timedelta(days=days),
                end=now,
                seed=seed,
                open_ratio=open_ratio,
                events=not no_events,
                batch_size=batch_size,
                now=now,
                progress=ProgressBar(stream, count) if options.get("verbosity", 1) else None,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(f"已生成 {made} 件工单，用时 {elapsed:.1f} 秒（{made / max(elapsed, 1e-6):,.0f} 件/秒）。")
