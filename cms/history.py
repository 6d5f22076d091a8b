"""Import ``case_history.jsonl`` (the district's past requests with confirmed categories) as training data.

Kept apart from the other reference files: it is JSON Lines, it is only ever added to (a
record already present is left as it is), and nothing else in the configuration depends on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .importing import CREATED, UNCHANGED, FileSummary, ReferenceImportError
from .models import HistoricalCase, RequestCategory
from .models.timelimits import RequestType

HISTORY_FILE = "case_history.jsonl"


def import_case_history(directory: Path, progress: Callable[[FileSummary], None] | None = None) -> list[FileSummary]:
    """Add the records of ``directory/case_history.jsonl`` not yet imported; no file, nothing to do."""
    path = Path(directory) / HISTORY_FILE
    if not path.is_file():
        return []
    summary = FileSummary(HISTORY_FILE)
    categories = dict(RequestCategory.objects.filter(parent__isnull=False).values_list("code", "pk"))
    known = set(HistoricalCase.objects.values_list("code", flat=True))
    new: list[HistoricalCase] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            record = _record(line, number)
            code = record["id"]
            if code in known:
                summary.add(UNCHANGED)
                continue
            new.append(_historical_case(record, categories))
            known.add(code)
            summary.add(CREATED)
    HistoricalCase.objects.bulk_create(new, batch_size=500)
    if progress:
        progress(summary)
    return [summary]


def _record(line: str, number: int) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReferenceImportError(HISTORY_FILE, f"第{number}行", "", f"不是合法的 JSON：{exc.msg}") from None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
        raise ReferenceImportError(HISTORY_FILE, f"第{number}行", "id", "每行应为带 id 的 JSON 对象。")
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        raise ReferenceImportError(HISTORY_FILE, record["id"], "text", "诉求内容不能为空。")
    return record


def _historical_case(record: dict, categories: dict[str, int]) -> HistoricalCase:
    code = record["id"]
    category = record.get("category")
    if category and category not in categories:
        raise ReferenceImportError(HISTORY_FILE, code, "category", f"分类“{category}”不存在或不是叶子分类。")
    secondary = record.get("secondary_categories") or []
    unknown = [c for c in secondary if c not in categories]
    if unknown:
        raise ReferenceImportError(HISTORY_FILE, code, "secondary_categories", f"分类 {unknown} 不存在。")
    request_type = record.get("type") or RequestType.values[0]
    if request_type not in RequestType.values:
        raise ReferenceImportError(HISTORY_FILE, code, "type", f"未知的诉求类型“{request_type}”。")
    received_at = None
    if record.get("received_at"):
        try:
            received_at = datetime.fromisoformat(record["received_at"])
        except (TypeError, ValueError):
            raise ReferenceImportError(HISTORY_FILE, code, "received_at", "时间格式应为 ISO 8601。") from None
    return HistoricalCase(
        code=code,
        request_type=request_type,
        channel=str(record.get("channel") or ""),
        text=record["text"].strip(),
        address=str(record.get("address") or "")[:255],
        received_at=received_at,
        category_id=categories.get(category) if category else None,
        urgent=bool(record.get("urgent")),
        secondary_categories=list(secondary),
    )
