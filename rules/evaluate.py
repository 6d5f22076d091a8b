"""Measure routing on JSON-lines sets: ``python -m rules.evaluate [--file F …] [--verbose]``.

The snapshot is built from the reference files and the classifier is trained from the case
history, in memory; no database is needed. For each set it prints category accuracy (a null
category is right only where null is expected), lead accuracy, urgent recall and precision,
the right category among the suggestions (top 3), the share decided automatically, the
accuracy of those automatic decisions, and the confusions.

Two line formats are read: ``routing_dev.jsonl`` (``expect``) and ``routing_realistic_dev.jsonl``
(``gold`` with ``category_also_ok`` and ``lead_also_ok``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules.decision import Decision, decide
from rules.snapshot import RulesConfig, load_reference

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "data" / "jinan"
DEFAULT_FILES = (
    BASE_DIR / "data" / "eval" / "routing_dev.jsonl",
    BASE_DIR / "data" / "eval" / "routing_realistic_dev.jsonl",
)


@dataclass
class Report:
    name: str
    total: int = 0
    category_right: int = 0
    lead_right: int = 0
    top3_right: int = 0
    top3_total: int = 0
    urgent_true: int = 0
    urgent_flagged: int = 0
    urgent_hits: int = 0
    automatic: int = 0
    automatic_right: int = 0
    confusions: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        def share(a: int, b: int) -> float:
            return round(a / b, 3) if b else 0.0

        return {
            "category": share(self.category_right, self.total),
            "lead": share(self.lead_right, self.total),
            "urgent_recall": share(self.urgent_hits, self.urgent_true),
            "urgent_precision": share(self.urgent_hits, self.urgent_flagged),
            "top3": share(self.top3_right, self.top3_total),
            "automatic_share": share(self.automatic, self.total),
            "automatic_accuracy": share(self.automatic_right, self.automatic),
        }


def _gold(line: Mapping[str, Any]) -> dict[str, Any]:
    if "gold" in line:
        return dict(line["gold"])
    expect = line["expect"]
    return {
        "category": expect["category"],
        "category_also_ok": [],
        "lead": expect["lead"],
        "lead_also_ok": [],
        "urgent": expect["urgent"],
    }


def score(name: str, lines: Sequence[Mapping[str, Any]], config: RulesConfig, verbose: bool = False) -> Report:
    report = Report(name)
    for line in lines:
        gold = _gold(line)
        decision: Decision = decide(line["request"], line.get("history") or (), config)
        report.total += 1
        ok_categories = {gold["category"], *gold.get("category_also_ok", ())} - {None}
        category_ok = decision.category is None if gold["category"] is None else decision.category in ok_categories
        ok_leads = {gold["lead"], *gold.get("lead_also_ok", ())}
        lead_ok = decision.lead in ok_leads if gold["lead"] else decision.lead is None
        report.category_right += category_ok
        report.lead_right += lead_ok
        if gold["category"] is not None:
            report.top3_total += 1
            report.top3_right += bool(ok_categories & set(decision.suggestions or (decision.category,)))
        report.urgent_true += bool(gold["urgent"])
        report.urgent_flagged += decision.urgent
        report.urgent_hits += bool(gold["urgent"]) and decision.urgent
        if decision.category is not None:
            report.automatic += 1
            report.automatic_right += category_ok
        if not category_ok:
            report.confusions[(gold["category"], decision.category)] += 1
        if verbose and (not category_ok or not lead_ok or bool(gold["urgent"]) != decision.urgent):
            report.misses.append(
                f"  {line.get('id')}: 分类 {decision.category}（应为 {gold['category']}，置信度 "
                f"{decision.category_confidence:.2f}，建议 {list(decision.suggestions)}）主办 {decision.lead}（应为 "
                f"{gold['lead']}）紧急 {decision.urgent}（应为 {gold['urgent']}，{list(decision.urgent_cues)}）"
            )
    return report


def reference_config(data_dir: Path = DEFAULT_DATA_DIR, *, with_model: bool = True) -> RulesConfig:
    """The reference snapshot, with a classifier trained from the reference history."""
    config = load_reference(data_dir, version=1)
    if not with_model:
        return config
    from classifier.reference import train_from_reference

    trained = train_from_reference(data_dir)
    return dataclasses.replace(config, text_model=trained.load(), model_version=f"ref-{trained.sha256[:12]}")


def read_lines(path: Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="派单评测：分类、主办、紧急件与自动派单比例")
    parser.add_argument("--file", action="append", type=Path, help="评测集（JSON Lines），可多次给出")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="参考数据目录")
    parser.add_argument("--keywords-only", action="store_true", help="不用分类模型，只按关键词")
    parser.add_argument("--verbose", action="store_true", help="列出判错的诉求")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    config = reference_config(args.data, with_model=not args.keywords_only)
    print(f"模型：{config.model_version or '无（仅关键词）'}（准备 {time.perf_counter() - started:.1f} 秒）")
    for path in args.file or DEFAULT_FILES:
        report = score(path.name, read_lines(path), config, verbose=args.verbose)
        f = report.figures()
        print(f"\n== {path.name}（{report.total} 条）")
        print(f"  分类准确率 {f['category']:.3f}   主办准确率 {f['lead']:.3f}   前三建议含正确分类 {f['top3']:.3f}")
        print(
            f"  紧急件召回 {f['urgent_recall']:.3f}（{report.urgent_hits}/{report.urgent_true}）"
            f"   精确率 {f['urgent_precision']:.3f}（{report.urgent_hits}/{report.urgent_flagged}）"
        )
        print(
            f"  自动派单比例 {f['automatic_share']:.3f}   自动派单准确率 {f['automatic_accuracy']:.3f}"
            f"（{report.automatic_right}/{report.automatic}）"
        )
        if report.confusions:
            top = ", ".join(f"{g}→{p}×{n}" for (g, p), n in report.confusions.most_common(8))
            print(f"  主要混淆（应为→判为）：{top}")
        for miss in report.misses:
            print(miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
