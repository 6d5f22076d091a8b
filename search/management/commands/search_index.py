"""``manage.py search_index --rebuild | --stats``: rebuild the resident search index, or compare it with the CMS."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from search.backends import SearchError
from search.services import index_status, rebuild_index

MAX_LISTED = 20


class Command(BaseCommand):
    help = "重建居民搜索索引（--rebuild），或查看索引与已发布页面是否一致（--stats，默认）。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--rebuild",
            action="store_true",
            help="用全部已发布的服务事项和政策文件重建索引（Elasticsearch 建新索引后切换别名）",
        )
        action.add_argument("--stats", action="store_true", help="统计索引文档数，列出缺失和多余的编码")

    def handle(self, *args, rebuild: bool = False, **options):
        try:
            if rebuild:
                self.rebuild()
            self.stats()
        except SearchError as error:
            raise CommandError(f"{error.message}（{error.code}）") from error

    def rebuild(self) -> None:
        self.stdout.write("正在重建搜索索引……")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  已写入 {done}/{total} 篇")

        try:
            summary = rebuild_index(progress=progress)
        except (OSError, ValueError) as error:
            # tantivy refuses a second writer: the task worker is writing the on-disk index.
            raise CommandError(f"写入搜索索引失败：{error}。若任务进程正在更新索引，请稍后重试。") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"已重建（{summary.backend}）：服务事项 {summary.services} 篇，政策文件 {summary.policies} 篇，"
                f"共 {summary.total} 篇，用时 {summary.seconds:.1f} 秒"
            )
        )

    def stats(self) -> None:
        status = index_status()
        self.stdout.write(f"搜索后端：{status.backend}")
        self.stdout.write(f"索引中的文档：{status.indexed} 篇；已发布的服务事项和政策文件：{status.live} 篇")
        for label, codes in (("缺失（已发布但搜不到）", status.missing), ("多余（已下线仍可搜到）", status.stale)):
            if codes:
                shown = "、".join(codes[:MAX_LISTED]) + ("……" if len(codes) > MAX_LISTED else "")
                self.stdout.write(self.style.WARNING(f"{label} {len(codes)} 篇：{shown}"))
        if status.in_sync:
            self.stdout.write(self.style.SUCCESS("索引与已发布页面一致。"))
        else:
            self.stdout.write("运行 manage.py search_index --rebuild 可重建索引。")
