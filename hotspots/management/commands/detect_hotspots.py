"""Scan recent cases for hotspots (run every 15 minutes from cron or a systemd timer); idempotent."""

from django.core.management.base import BaseCommand

from hotspots.services import scan


class Command(BaseCommand):
    help = "扫描最近的诉求，发现高于常态的热点（未诉先办）。可重复运行。"

    def handle(self, *args, **options) -> None:
        result = scan()
        for hotspot in result.opened:
            self.stdout.write(f"新热点：{hotspot}")
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：新发现 {len(result.opened)}，仍在持续 {len(result.refreshed)}，已回落 {result.expired}。"
            )
        )
