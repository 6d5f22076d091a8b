"""Send notice SMS that are still pending (a lost task, a restarted worker); idempotent."""

from django.core.management.base import BaseCommand

from notices.models import NoticeMessage
from notices.services import deliver_messages


class Command(BaseCommand):
    help = "发送仍待发送的通知短信（任务丢失或进程重启后补发）。"

    def handle(self, *args, **options) -> None:
        notice_ids = sorted(
            set(NoticeMessage.objects.filter(status=NoticeMessage.Status.PENDING).values_list("notice_id", flat=True))
        )
        total = 0
        for notice_id in notice_ids:
            sent = deliver_messages(notice_id)
            total += sent
            self.stdout.write(f"通知 {notice_id}：发送 {sent} 条")
        self.stdout.write(self.style.SUCCESS(f"完成：{len(notice_ids)} 条通知，共发送 {total} 条短信。"))
