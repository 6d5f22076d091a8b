"""Create the 通知公告 page under the home page once; later runs change nothing."""

from django.core.management.base import BaseCommand, CommandError

from notices.models import NoticeIndexPage
from notices.services import ensure_index


class Command(BaseCommand):
    help = "在首页下创建“通知公告”目录页（已存在则不变）。"

    def handle(self, *args, **options) -> None:
        existed = NoticeIndexPage.objects.exists()
        index = ensure_index()
        if index is None:
            raise CommandError("还没有首页：请先运行 import_reference 导入区划和内容。")
        self.stdout.write("通知公告目录已存在，无变化。" if existed else f"已创建通知公告目录：{index.url}")
