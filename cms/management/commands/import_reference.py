"""python manage.py import_reference DIR — load the reference configuration of a district."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.importing import FileSummary, ReferenceImportError, import_reference


class Command(BaseCommand):
    help = (
        "导入参考配置（区划网格、部门、诉求分类、服务事项、政策文件、时限、规则）。"
        "只新增缺少的数据；与数据库不同的记录只报告、保留管理员的修改，加 --overwrite 才覆盖；"
        "规则的变化保存为待审批草稿，从不直接发布。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(settings.REFERENCE_DATA_DIR), help="参考数据目录")
        parser.add_argument(
            "--overwrite", action="store_true", help="以参考数据覆盖数据库中不同的记录（规则仍只存为草稿）"
        )
        parser.add_argument(
            "--only-if-empty", action="store_true", help="仅在尚未配置任何区县时导入（make run 载入演示数据用）"
        )

    def handle(self, *args, directory: str, overwrite: bool, only_if_empty: bool, **options):
        def progress(file_summary: FileSummary) -> None:
            self.stdout.write(f"  {file_summary.line()}")

        self.stdout.write(f"导入 {directory} …")
        try:
            summary = import_reference(
                Path(directory), progress=progress, overwrite=overwrite, only_if_empty=only_if_empty
            )
        except ReferenceImportError as exc:
            raise CommandError(f"导入失败，数据库未做任何修改。{exc}") from exc
        if summary.skipped:
            self.stdout.write(self.style.SUCCESS("数据库中已有区县配置，跳过演示数据导入（不会覆盖管理员的修改）。"))
            return
        totals = summary.totals()
        verdict = "有变化" if summary.changed else "无变化"
        counts = f"新增 {totals['created']}，更新 {totals['updated']}，未变 {totals['unchanged']}"
        self.stdout.write(self.style.SUCCESS(f"完成（{verdict}）：{counts}"))
        if summary.differences:
            self.stdout.write(self.style.WARNING(f"与参考数据不同的记录 {len(summary.differences)} 条："))
            for line in summary.differences:
                self.stdout.write(f"  {line}")
            if not overwrite:
                self.stdout.write("如需以参考数据覆盖，请加 --overwrite（规则的变化仍只保存为待审批草稿）。")
