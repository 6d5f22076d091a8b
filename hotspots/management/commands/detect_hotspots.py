"""Scan recent cases for hotspots; idempotent. ``--every 900`` keeps it running (``make run`` does);
a larger deployment may call it every 15 minutes from cron or a systemd timer instead."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from hotspots.services import scan


class Command(BaseCommand):
    help = "扫描最近的诉求，发现高于常态的热点（未诉先办）。可重复运行。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--every", type=int, default=None, metavar="秒", help="常驻运行：每隔指定秒数扫描一次（Ctrl+C 停止）"
        )

    def handle(self, *args, every: int | None = None, **options) -> None:
        if every is not None and every < 1:
            raise CommandError("--every 必须是正整数（秒）。")
        while True:
            result = scan()
            for hotspot in result.opened:
                self.stdout.write(f"新热点：{hotspot}")
            if every is None or result.opened or result.expired:
                self.stdout.write(
                    f"完成：新发现 {len(result.opened)}，仍在持续 {len(result.refreshed)}，已回落 {result.expired}。"
                )
            if every is None:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
