"""Queue (or, with --now, send) webhook deliveries that are due and not queued; idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from api.models import WebhookDelivery
from api.webhooks.delivery import attempt_delivery, schedule

Status = WebhookDelivery.Status


class Command(BaseCommand):
    help = "补投到期的事件推送：重新排队“待投递”“等待重试”和卡在“投递中”的记录。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="在本进程内立即投递，而不是交给任务队列。")
        parser.add_argument("--stuck-minutes", type=int, default=10, help="“投递中”超过多少分钟视为中断。")

    def handle(self, *args: Any, now: bool = False, stuck_minutes: int = 10, **options: Any) -> None:
        moment = timezone.now()
        reset = WebhookDelivery.objects.filter(
            status=Status.SENDING, last_attempt_at__lt=moment - timedelta(minutes=stuck_minutes)
        ).update(status=Status.RETRYING, next_attempt_at=moment)
        due = list(
            WebhookDelivery.objects.filter(
                Q(status=Status.PENDING, created_at__lt=moment - timedelta(minutes=1))
                | Q(status=Status.RETRYING, next_attempt_at__lte=moment)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        outcomes: dict[str, int] = {}
        for delivery_id in due:
            outcome = attempt_delivery(delivery_id) if now else ("queued" if schedule(delivery_id) else "left")
            outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
            self.stdout.write(f"推送记录 {delivery_id}: {outcome}")
        summary = "，".join(f"{name} {count}" for name, count in sorted(outcomes.items())) or "无"
        self.stdout.write(self.style.SUCCESS(f"中断重置 {reset} 条；处理到期 {len(due)} 条（{summary}）。"))
