"""Compare the committed schema.graphql with the live schema; fail on breaking changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from api.schema_check import compare, printed_schema, schema_path


class Command(BaseCommand):
    help = "检查 schema.graphql 是否与当前 GraphQL 模式一致，并列出破坏性变更（--write 更新文件）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true", help="把当前模式写入 schema.graphql。")
        parser.add_argument("--allow-breaking", action="store_true", help="有破坏性变更时仍然写入（需配合 --write）。")

    def handle(self, *args: Any, write: bool = False, allow_breaking: bool = False, **options: Any) -> None:
        path = schema_path()
        live = printed_schema()
        if not path.exists():
            if not write:
                raise CommandError(f"{path} 不存在；运行 manage.py graphql_schema_check --write 生成。")
            path.write_text(live, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"已生成 {path}"))
            return
        report = compare(path.read_text(encoding="utf-8"), live)
        for change in report.breaking:
            self.stdout.write(self.style.ERROR(f"破坏性变更 {change.type.name}: {change.description}"))
        for warning in report.dangerous:
            self.stdout.write(self.style.WARNING(f"需注意的变更 {warning.type.name}: {warning.description}"))
        if report.in_sync:
            self.stdout.write(self.style.SUCCESS(f"{path.name} 与当前模式一致。"))
            return
        if report.breaking and not allow_breaking:
            raise CommandError(
                f"发现 {len(report.breaking)} 处破坏性变更。公开接口只增不改：请恢复被删改的名称，"
                "或在确认所有合作方已迁移后使用 --write --allow-breaking。"
            )
        if not write:
            raise CommandError(
                f"{path.name} 已过期（无破坏性变更）；运行 manage.py graphql_schema_check --write 更新。"
            )
        path.write_text(live, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已更新 {path}"))
