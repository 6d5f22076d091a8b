"""python manage.py import_reference DIR — load the reference configuration of a district."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.importing import FileSummary, ReferenceImportError, import_reference


class Command(BaseCommand):
    help = (
        "导入参考配置（区划网格、部门、诉求分类、服务事项、政策文件、时限、规则）。可重复执行，未变化的数据不会改动。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(settings.REFERENCE_DATA_DIR), help="参考数据目录")

    def handle(self, *args, directory: str, **options):
        def progress(file_summary: FileSummary) -> None:
            self.stdout.write(f"  {file_summary.line()}")

        self.stdout.write(f"导入 {directory} …")
        try:
            summary = import_reference(Path(directory), progress=progress)
        except ReferenceImportError as exc:
            raise CommandError(f"导入失败，数据库未做任何修改。{exc}") from exc
        totals = summary.totals()
        verdict = "有变化" if summary.changed else "无变化"
        counts = f"新增 {totals['created']}，更新 {totals['updated']}，未变 {totals['unchanged']}"
        self.stdout.write(self.style.SUCCESS(f"完成（{verdict}）：{counts}"))
