"""Measure search relevance on a JSON-lines set: ``python -m search.evaluate [--file F] [--verbose]``.

Each line is ``{"q": ..., "relevant": [codes, best first]}``. The embedded index is built in
memory from the reference data, so no Django settings or database are needed.

Metrics (averaged over queries):

* Recall@k — share of a query's relevant codes found in the top k;
* Hit@k — share of queries with at least one relevant code in the top k;
* MRR@10 — reciprocal rank of the first relevant code within the top 10;
* nDCG@10 — graded by the order of ``relevant`` (the first listed gains most).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .backends.base import SearchBackend
from .backends.embedded import EmbeddedBackend
from .documents import load_category_terms, load_reference_documents

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "data" / "jinan"
DEFAULT_EVAL_FILE = BASE_DIR / "data" / "eval" / "search_dev.jsonl"
METRICS = ("recall@1", "recall@5", "hit@1", "hit@5", "mrr@10", "ndcg@10")
LABELS = {
    "recall@1": "Recall@1",
    "recall@5": "Recall@5",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "hit@1": "Hit@1",
    "hit@5": "Hit@5",
}


@dataclass(frozen=True)
class QueryOutcome:
    query: str
    relevant: tuple[str, ...]
    ranked: tuple[str, ...]
    scores: dict[str, float]


def query_metrics(ranked: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    """Metrics for one query; ``relevant`` is ordered best first (graded gains n, n-1, …, 1)."""
    relevant = list(dict.fromkeys(relevant))
    if not relevant:
        raise ValueError("每条评测数据至少要有一个 relevant 编码")
    wanted = set(relevant)
    scores = {
        "recall@1": len(wanted & set(ranked[:1])) / len(wanted),
        "recall@5": len(wanted & set(ranked[:5])) / len(wanted),
        "hit@1": float(bool(wanted & set(ranked[:1]))),
        "hit@5": float(bool(wanted & set(ranked[:5]))),
    }
    scores["mrr@10"] = next((1.0 / (i + 1) for i, code in enumerate(ranked[:10]) if code in wanted), 0.0)
    gain = {code: len(relevant) - i for i, code in enumerate(relevant)}
    dcg = sum(gain.get(code, 0) / math.log2(i + 2) for i, code in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gain.values(), reverse=True)[:10]))
    scores["ndcg@10"] = dcg / ideal if ideal else 0.0
    return scores


def load_eval_file(path: str | Path) -> list[dict]:
    lines = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}:{number}: 不是合法的 JSON：{error}") from error
        if "q" not in item or not item.get("relevant"):
            raise SystemExit(f"{path}:{number}: 缺少字段 q 或 relevant")
        lines.append(item)
    return lines


def build_reference_backend(data_dir: str | Path = DEFAULT_DATA_DIR) -> EmbeddedBackend:
    """An in-memory embedded index of the reference services and policies."""
    backend = EmbeddedBackend(None, extra_terms=load_category_terms(data_dir))
    backend.index(load_reference_documents(data_dir))
    return backend


def evaluate(backend: SearchBackend, items: Sequence[dict]) -> tuple[dict[str, float], list[QueryOutcome]]:
    """Run every query and average the metrics."""
    outcomes = []
    for item in items:
        result = backend.search(item["q"], page_size=10)
        ranked = tuple(hit.code for hit in result.hits)
        relevant = tuple(item["relevant"])
        outcomes.append(QueryOutcome(item["q"], relevant, ranked, query_metrics(ranked, relevant)))
    totals = {name: sum(o.scores[name] for o in outcomes) / len(outcomes) for name in METRICS}
    return totals, outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search.evaluate", description="搜索相关性评测")
    parser.add_argument("--file", default=str(DEFAULT_EVAL_FILE), help="评测集（JSON Lines）")
    parser.add_argument("--data", default=str(DEFAULT_DATA_DIR), help="参考数据目录（services.json 等）")
    parser.add_argument("--verbose", "-v", action="store_true", help="列出未在第 1 位命中的查询")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    backend = build_reference_backend(args.data)
    items = load_eval_file(args.file)
    built = time.perf_counter()
    totals, outcomes = evaluate(backend, items)
    finished = time.perf_counter()

    print(f"评测集：{args.file}（{len(items)} 条查询，{backend.count()} 篇文档，后端 {backend.name}）")
    print(f"建索引 {built - started:.2f} s，查询 {(finished - built) * 1000 / max(1, len(items)):.1f} ms/条")
    for name, label in LABELS.items():
        print(f"{label:<10}{totals[name]:.3f}")
    if args.verbose:
        for outcome in outcomes:
            if outcome.scores["hit@1"] == 1.0:
                continue
            mark = "未命中" if outcome.scores["hit@5"] == 0 else "排序靠后"
            print(f"\n[{mark}] {outcome.query}")
            print(f"  期望：{', '.join(outcome.relevant)}")
            print(f"  实得：{', '.join(outcome.ranked[:5]) or '（无结果）'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
