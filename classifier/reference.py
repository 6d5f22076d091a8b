"""Training data in the reference format (``data/jinan/``): the case history and the category tree."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from classifier.training import CategoryDescription, LabelledText, TrainedModel, train

HISTORY_FILE = "case_history.jsonl"


def read_history(path: Path) -> Iterator[dict[str, Any]]:
    """The records of ``case_history.jsonl``; a bad line raises ValueError naming its number."""
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{Path(path).name} 第 {number} 行不是合法的 JSON：{exc.msg}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{Path(path).name} 第 {number} 行应为 JSON 对象")
            yield record


def labelled(record: Mapping[str, Any]) -> LabelledText:
    return LabelledText(
        text=str(record.get("text") or ""),
        category=record.get("category") or None,
        urgent=bool(record.get("urgent")),
        secondary=tuple(record.get("secondary_categories") or ()),
    )


def category_descriptions(doc: Mapping[str, Any]) -> list[CategoryDescription]:
    return [
        CategoryDescription(
            code=child["id"],
            name=child["name"],
            parent_name=top["name"],
            keywords=tuple(child.get("keywords") or ()),
            urgent_keywords=tuple(child.get("urgent_keywords") or ()),
        )
        for top in doc.get("categories", [])
        for child in top.get("children", [])
    ]


def train_from_reference(data_dir: Path) -> TrainedModel:
    """A model from the reference files alone (tests, ``make routing-eval``)."""
    data_dir = Path(data_dir)
    with (data_dir / "categories.json").open(encoding="utf-8") as fh:
        categories = category_descriptions(json.load(fh))
    history = [labelled(r) for r in read_history(data_dir / HISTORY_FILE)]
    return train(history, categories)
