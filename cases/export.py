"""XLSX export of the scores with openpyxl: one sheet per dimension, rates as percentages."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from .scores import ScoreRow, Scores

HEADINGS = [
    "名称",
    "派单数",
    "按时报到数",
    "响应率",
    "工单数",
    "办结数",
    "办结率",
    "应办结数",
    "按时办结数",
    "按时办结率",
    "回访数",
    "满意及基本满意数",
    "满意率",
    "平均办理时长（小时）",
    "退单数",
    "批准延期次数",
    "批准延期工作日",
    "黄牌数",
    "红牌数",
    "督办单数",
    "综合得分",
]


def _row(r: ScoreRow) -> list[Any]:
    return [
        r.name,
        r.dispatched,
        r.acknowledged_in_time,
        r.response_rate,
        r.cases,
        r.resolved,
        r.resolution_rate,
        r.due_or_done,
        r.completed_on_time,
        r.on_time_rate,
        r.rated,
        r.satisfied,
        r.satisfaction_rate,
        r.mean_handling_hours,
        r.returns,
        r.extensions,
        r.extension_days,
        r.yellow_cards,
        r.red_cards,
        r.supervision_orders,
        r.composite_score,
    ]


def scores_workbook(scores: Scores) -> bytes:
    book = Workbook()
    sheets = [("部门考核", scores.departments), ("街道考核", scores.subdistricts)]
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append([f"统计区间：{scores.start:%Y-%m-%d} 至 {scores.end:%Y-%m-%d}"])
        sheet.append(HEADINGS)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for r in rows:
            sheet.append(_row(r))
        for column in ("D", "G", "J", "M"):
            for cell in sheet[column][2:]:
                cell.number_format = "0.0%"
        sheet.column_dimensions["A"].width = 32
    out = BytesIO()
    book.save(out)
    return out.getvalue()
