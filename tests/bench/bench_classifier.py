"""Benchmark of decisions with the request classifier: throughput, latency, training time, memory.

Run from the project root with ``python tests/bench/bench_classifier.py``; ``--write`` also
replaces the "智能分类 (classifier)" section of BENCHMARKS.md. No Django settings are needed:
the model is trained from the reference history in memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from classifier.model import TextModel  # noqa: E402
from classifier.reference import train_from_reference  # noqa: E402
from rules.decision import decide  # noqa: E402
from rules.engine import RulesEngine  # noqa: E402
from rules.snapshot import load_reference  # noqa: E402
from tests.bench.bench_rules import machine, measure  # noqa: E402
from tests.bench.common import write_section  # noqa: E402

SECTION = "## 智能分类 (classifier)"
GOAL_PER_S, GOAL_P99_MS, GOAL_TRAIN_S, GOAL_MEMORY_MB = 2000, 5.0, 30, 100


def rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(rounds: int) -> tuple[dict[str, str], list[tuple[str, dict[str, float]]], dict[str, float]]:
    data = ROOT / "data" / "jinan"
    t0 = time.perf_counter()
    trained = train_from_reference(data)
    train_s = time.perf_counter() - t0
    before = rss_mb()
    model = TextModel(trained.artefact)
    loaded = rss_mb() - before
    config = dataclasses.replace(load_reference(data, version=1), text_model=model, model_version="bench")
    requests = []
    for name in ("routing_dev.jsonl", "routing_realistic_dev.jsonl"):
        with (ROOT / "data" / "eval" / name).open(encoding="utf-8") as fh:
            requests += [json.loads(line)["request"] for line in fh if line.strip()]
    engine = RulesEngine()

    def decision(i: int) -> object:
        return decide(requests[i % len(requests)], (), config, engine=engine)

    def reading(i: int) -> object:
        return model.read(requests[i % len(requests)]["text"])

    results = [
        ("完整决策（关键词 + 分类模型 + 规则引擎 + 时限），两个开发集140条循环", measure(decision, rounds)),
        ("仅分类模型读一条文本（分类、紧急、第二问题）", measure(reading, rounds)),
    ]
    engine.clear()
    extra = {
        "train_s": train_s,
        "artefact_mb": len(trained.artefact) / 1e6,
        "model_rss_mb": loaded,
        "features": float(trained.metrics.get("features", 0)),
    }
    return machine(), results, extra


def markdown(info: dict[str, str], results: list[tuple[str, dict[str, float]]], extra: dict[str, float]) -> str:
    lines = [
        SECTION,
        "",
        f"测量日期：{dt.date.today().isoformat()}；命令：`python tests/bench/bench_classifier.py`（单线程）。",
        f"机器：{info['cpu']}，{info['cores']} 核（与其他工程师共享），Python {info['python']}，负载 {info['load']}。",
        "",
        "| 测量 | 每秒 | p50 | p99 | CPU p50 | CPU p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results:
        lines.append(
            f"| {name} | {r['per_s']:,.0f} | {r['p50_us'] / 1000:.2f} ms | {r['p99_us'] / 1000:.2f} ms "
            f"| {r['cpu_p50_us'] / 1000:.2f} ms | {r['cpu_p99_us'] / 1000:.2f} ms |"
        )
    lines += [
        "",
        f"- 训练（五折交叉验证 + 最终模型，{extra['features']:,.0f} 个特征）：{extra['train_s']:.1f} 秒"
        f"（目标 < {GOAL_TRAIN_S} 秒）。",
        f"- 模型文件 {extra['artefact_mb']:.1f} MB；载入后进程常驻内存增加 {extra['model_rss_mb']:.0f} MB"
        f"（目标 ≤ {GOAL_MEMORY_MB} MB）。",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3000)
    parser.add_argument("--write", action="store_true", help="把结果写入 BENCHMARKS.md")
    args = parser.parse_args(argv)
    info, results, extra = run(args.rounds)
    text = markdown(info, results, extra)
    print(text)
    if args.write:
        write_section(SECTION, text)
    full = results[0][1]
    ok = full["per_cpu_s"] >= GOAL_PER_S and full["cpu_p99_us"] / 1000 < GOAL_P99_MS
    if not ok:
        print(
            f"未达目标：每 CPU 秒 {full['per_cpu_s']:,.0f} 次（目标 ≥ {GOAL_PER_S}），"
            f"CPU p99 {full['cpu_p99_us'] / 1000:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
