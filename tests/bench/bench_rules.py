"""Benchmark of the decision core: full decisions, feature extraction alone, keyword matching.

Run from the project root with ``python tests/bench/bench_rules.py`` or
``python -m tests.bench.bench_rules``; ``--write`` also replaces the "规则引擎 (rules)" section
of BENCHMARKS.md with the figures. No Django settings are needed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rules.decision import decide  # noqa: E402
from rules.engine import RulesEngine, compile_routing  # noqa: E402
from rules.features import extract_features  # noqa: E402
from rules.snapshot import RoutingRow, RowActions, RowConditions, RulesConfig, load_reference  # noqa: E402
from tests.bench.common import write_section  # noqa: E402

SECTION = "## 规则引擎 (rules)"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "durable-rules": version("durable_rules"),
        "holidays": version("holidays"),
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def generated_rows(config: RulesConfig, count: int, seed: int = 12345, anchored: bool = True) -> tuple[RoutingRow, ...]:
    """Rows drawn from the reference codes, 1–2 actions each.

    ``anchored`` rows look like a real decision table: each is about some categories or some
    keywords (the anchor) and may add up to two further conditions. Unanchored rows take 1–3
    conditions of any kind, so that rows like "every urgent request" abound: a stress case in
    which dozens of rows fire for every request.
    """
    rnd = random.Random(seed)
    leaves = [leaf.code for leaf in config.categories]
    tops = list(config.top_categories)
    keywords = [k for leaf in config.categories for k in (*leaf.keywords, *leaf.urgent_keywords)]
    departments = list(config.departments)
    subdistricts = list(config.subdistricts)
    extras = ["types", "subdistricts", "urgent", "repeat", "departments"]
    rows = []
    for i in range(count):
        if anchored:
            kinds = [rnd.choice(["categories", "keywords_any"]), *rnd.sample(extras, rnd.randint(0, 2))]
        else:
            kinds = rnd.sample(["categories", "keywords_any", *extras], rnd.randint(1, 3))
        when: dict = {}
        for kind in kinds:
            if kind == "types":
                when["types"] = tuple(rnd.sample(config.request_types, rnd.randint(1, 3)))
            elif kind == "categories":
                when["categories"] = tuple(rnd.sample(leaves, rnd.randint(1, 3)) + rnd.sample(tops, rnd.randint(0, 1)))
            elif kind == "keywords_any":
                when["keywords_any"] = tuple(rnd.sample(keywords, rnd.randint(1, 6)))
            elif kind == "subdistricts":
                when["subdistricts"] = tuple(rnd.sample(subdistricts, rnd.randint(1, 2)))
            elif kind == "urgent":
                when["urgent"] = rnd.random() < 0.5
            elif kind == "repeat":
                when["repeat_count_gte"] = rnd.randint(2, 4)
            else:
                when["departments_involved_gte"] = rnd.randint(2, 3)
        then: dict = {}
        for kind in rnd.sample(["lead", "co", "whistle", "urgent", "level"], rnd.randint(1, 2)):
            if kind == "lead":
                then["lead"] = rnd.choice([*departments, "grid", "community", "subdistrict"])
            elif kind == "co":
                then["co_handlers"] = tuple(rnd.sample(departments, rnd.randint(1, 2)))
            elif kind == "whistle":
                then["whistle"] = True
            elif kind == "urgent":
                then["urgent"] = True
            else:
                then["escalate_to_level"] = rnd.randint(1, 4)
        rows.append(
            RoutingRow(
                code=f"gen-{i:04d}",
                priority=rnd.randint(1, 1000),
                when=RowConditions(**when),
                then=RowActions(**then),
            )
        )
    return tuple(rows)


def measure(fn: Callable[[int], object], rounds: int) -> dict[str, float]:
    """Per-call wall-clock and CPU latencies of ``fn(i)`` for i in range(rounds), one thread, GC on.

    CPU time is reported beside wall-clock time because the benchmark machine may be shared:
    wall-clock tails then include time the process spent waiting for a core.
    """
    for i in range(min(rounds, 200)):
        fn(i)  # warm-up: compile rulesets, fill caches
    gc.collect()
    wall: list[int] = []
    cpu: list[int] = []
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    for i in range(rounds):
        w0, c0 = time.perf_counter_ns(), time.process_time_ns()
        fn(i)
        cpu.append(time.process_time_ns() - c0)
        wall.append(time.perf_counter_ns() - w0)
    elapsed_wall = time.perf_counter() - start_wall
    elapsed_cpu = time.process_time() - start_cpu
    wall.sort()
    cpu.sort()
    return {
        "per_s": rounds / elapsed_wall,
        "per_cpu_s": rounds / elapsed_cpu,
        "p50_us": wall[len(wall) // 2] / 1000,
        "p99_us": wall[int(len(wall) * 0.99)] / 1000,
        "cpu_p50_us": cpu[len(cpu) // 2] / 1000,
        "cpu_p99_us": cpu[int(len(cpu) * 0.99)] / 1000,
    }


def run(rounds: int) -> tuple[dict[str, str], list[tuple[str, dict[str, float]]], dict[str, float]]:
    reference = load_reference(ROOT / "data" / "jinan", version=1)
    cases = [json.loads(line) for line in (ROOT / "data" / "eval" / "routing_dev.jsonl").open(encoding="utf-8")]
    big = dataclasses.replace(reference, version=2, routing=generated_rows(reference, 1000))
    stress = dataclasses.replace(reference, version=3, routing=generated_rows(reference, 1000, anchored=False))
    engine = RulesEngine()

    def decision(config: RulesConfig) -> Callable[[int], object]:
        def fn(i: int) -> object:
            case = cases[i % len(cases)]
            return decide(case["request"], case.get("history", ()), config, engine=engine)

        return fn

    def features(i: int) -> object:
        case = cases[i % len(cases)]
        return extract_features(case["request"], case.get("history", ()), reference)

    text = ("来电人反映明湖小区3号楼二单元楼道里一股煤气味，晚上下班回家一进单元就闻到了，" * 3)[:100]

    t0 = time.perf_counter()
    engine.fire_routing(big, {"type": "投诉"}, (False,))
    compile_ms = (time.perf_counter() - t0) * 1000

    results = [
        ("完整决策，参考规则表（5行）", measure(decision(reference), rounds)),
        ("完整决策，生成规则表（1,000行，每行针对分类或关键词）", measure(decision(big), rounds)),
        ("完整决策，压力规则表（1,000行，条件宽泛）", measure(decision(stress), rounds)),
        ("仅特征提取（匹配、定位、重复件数）", measure(features, rounds)),
        ("仅关键词匹配（100字文本）", measure(lambda i: reference.matcher.find(text), rounds)),
    ]
    fired = [len(decide(c["request"], c.get("history", ()), big, engine=engine).fired_rules) for c in cases]
    fired_stress = [len(decide(c["request"], c.get("history", ()), stress, engine=engine).fired_rules) for c in cases]
    extra = {
        "compile_1000_ms": compile_ms,
        "fired_mean_1000": statistics.fmean(fired),
        "fired_mean_stress": statistics.fmean(fired_stress),
        "live_facts": float(engine.live_facts()),
        "rulesets_1000": float(sum(1 for n in engine.registered_rulesets() if n.startswith("routing_v2_"))),
        "rules_1000": float(sum(len(c.definition) - 1 for c in compile_routing(big, "count").rulesets)),
    }
    engine.clear()
    return machine(), results, extra


def markdown(info: dict[str, str], results: Sequence[tuple[str, dict[str, float]]], extra: dict[str, float]) -> str:
    lines = [
        SECTION,
        "",
        f"测量日期：{dt.date.today().isoformat()}；命令：`python tests/bench/bench_rules.py`"
        "（单线程，开发集40条循环）。",
        "",
        f"机器：{info['cpu']}，{info['cores']} 核；Python {info['python']}；{info['os']}；"
        f"durable-rules {info['durable-rules']}；holidays {info['holidays']}。",
        "",
        f"测量时系统负载（1/5/15分钟）：{info['load']}（该机器与其他任务共用，墙钟尾延迟含等待CPU的时间，"
        "故同时给出进程CPU时间）。",
        "",
        "| 场景 | 次/秒（墙钟） | 次/CPU秒 | p50 墙钟 (µs) | p99 墙钟 (µs) | p50 CPU (µs) | p99 CPU (µs) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results:
        lines.append(
            f"| {name} | {r['per_s']:,.0f} | {r['per_cpu_s']:,.0f} | {r['p50_us']:.0f} | {r['p99_us']:.0f} "
            f"| {r['cpu_p50_us']:.0f} | {r['cpu_p99_us']:.0f} |"
        )
    lines += [
        "",
        f"- 1,000行针对性规则表展开为 {extra['rules_1000']:.0f} 条 durable_rules 规则（析取范式，相同合取式共用），"
        f"分 {extra['rulesets_1000']:.0f} 个规则集；编译并注册 {extra['compile_1000_ms']:.0f} ms（每个版本一次）；"
        f"每条诉求平均触发 {extra['fired_mean_1000']:.1f} 行（压力表 {extra['fired_mean_stress']:.1f} 行）。",
        "- 目标：单核 ≥2,000 次决策/秒，p99 < 5 ms。每次决策在规则集的工作会话中断言1~2个事实、"
        f"收集触发的规则后立即撤回；测完仍留在引擎中的事实数：{extra['live_facts']:.0f}。",
        "- 设计依据（在本机测得，见 `rules/engine.py` 文档）：durable_rules 把 `$or` 编译成各行共享的转发节点，"
        "数百行共用同一取值时每条事实都报错 303（栈满），此后再碰该会话进程即崩溃，故按析取范式展开、不用 `$or`；"
        "每次决策新建会话的开销随规则数增长（3,500条规则时约 8 ms），故每个规则集保留一个工作会话、断言后撤回事实；"
        "经宿主闭包执行动作每个约 40 µs，故直接调用引擎的 C 接口取出已触发规则。",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args(argv)
    info, results, extra = run(args.rounds)
    text = markdown(info, results, extra)
    print(text)
    if args.write:
        write_section(SECTION, text)
        print(f"已写入 {ROOT / 'BENCHMARKS.md'}")
    full = results[1][1]
    if full["per_cpu_s"] < 2000 or full["cpu_p99_us"] > 5000:
        print("未达到目标：单核 ≥2,000 次/秒且 p99 < 5 ms（按CPU时间）", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
