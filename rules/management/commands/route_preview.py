"""python manage.py route_preview [FILE] — decide JSON-lines requests with the live rules, writing nothing."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rules.services import preview


class Command(BaseCommand):
    help = (
        "读取 JSON Lines 格式的诉求（每行一个对象，可为 {request, history} 或直接为 request），"
        "用已发布的规则逐条决策并每行输出一个 JSON 对象；不写数据库。不给文件时读标准输入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="输入文件（JSON Lines）；省略时读标准输入")

    def handle(self, *args: Any, file: str | None = None, **options: Any) -> None:
        stream = open(file, encoding="utf-8") if file else sys.stdin
        try:
            records = []
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"第 {number} 行不是合法的 JSON：{exc.msg}") from None
                if not isinstance(record, dict):
                    raise CommandError(f"第 {number} 行应为 JSON 对象。")
                records.append(record)
        except OSError as exc:
            raise CommandError(f"无法读取 {file}：{exc}") from None
        finally:
            if file:
                stream.close()
        for result in preview(records):
            self.stdout.write(json.dumps(result, ensure_ascii=False))
