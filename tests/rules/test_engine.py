"""The durable_rules adapter: compiled conditions, firing, validation, caching, no leaked sessions."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from rules.decision import decide
from rules.engine import (
    CompileError,
    RulesEngine,
    compile_conditions,
    compile_escalation,
    compile_routing,
    routing_fact,
    validate_expression,
)
from rules.snapshot import EscalationTrigger, RowConditions

from .conftest import make_row, read_dev_cases, with_rows

TOPS = frozenset({"cat-water", "cat-drain"})
KW = {"爆管": "kw0", "水管爆了": "kw1"}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (RowConditions(), {"$ex": {"phase": 1}}),
        (RowConditions(types=("投诉",)), {"type": "投诉"}),
        (RowConditions(types=("投诉", "举报")), {"$or": [{"type": "投诉"}, {"type": "举报"}]}),
        (
            RowConditions(categories=("cat-water", "cat-drain-sewer")),
            {"$or": [{"top_category": "cat-water"}, {"category": "cat-drain-sewer"}]},
        ),
        (RowConditions(keywords_any=("爆管", "水管爆了")), {"$or": [{"kw0": True}, {"kw1": True}]}),
        (RowConditions(subdistricts=("sd-quanyun",)), {"subdistrict": "sd-quanyun"}),
        (RowConditions(urgent=False), {"urgent": False}),
        (RowConditions(repeat_count_gte=3), {"$gte": {"repeat_count": 3}}),
        (RowConditions(departments_involved_gte=2), {"$gte": {"departments_involved": 2}}),
        (
            RowConditions(types=("求助",), urgent=True, repeat_count_gte=2),
            {"$and": [{"type": "求助"}, {"urgent": True}, {"$gte": {"repeat_count": 2}}]},
        ),
    ],
)
def test_compile_each_condition_kind(when, expected):
    expression = compile_conditions(when, KW, TOPS)
    assert expression == expected
    validate_expression(expression, "test")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"$in": {"type": ["投诉"]}}, "不支持的运算符 \\$in"),
        ({"$or": [{"type": "投诉"}, {"$like": {"type": "投"}}]}, "不支持的运算符 \\$like"),
        ({"$or": []}, "需要非空列表"),
        ({"type": ["投诉"]}, "必须是标量"),
        ({"sid": "1"}, "保留字"),
        ({"type": "投诉", "urgent": True}, "只有一个键"),
        ({"$gte": {"repeat_count": [3]}}, "必须是标量"),
    ],
)
def test_invalid_expressions_are_rejected(expression, message):
    with pytest.raises(CompileError, match=message):
        validate_expression(expression, "规则行 x")


def test_compiled_routing_has_one_rule_per_row_and_a_catch_all(reference):
    compiled = compile_routing(reference, "routing_test")
    assert sorted(compiled.definition) == ["r0", "r1", "r2", "r3", "r4", "seen"]
    assert compiled.definition["r0"] == {
        "all": [
            {
                "m": {
                    "$and": [
                        {"$or": [{"category": "cat-city-garbage"}, {"category": "cat-road-light"}]},
                        {"subdistrict": "sd-quanyun"},
                    ]
                }
            }
        ],
        "pri": 20,
        "run": "r0",
    }
    assert len(compiled.keyword_fields) == len(set(reference.routing[2].when.keywords_any)) == 68
    assert compiled.rule_targets == {"r0": 0, "r1": 1, "r2": 2, "r3": 3, "r4": 4}


def test_unknown_escalation_event_does_not_compile(reference):
    config = dataclasses.replace(reference, escalation_triggers=(EscalationTrigger("esc-x", "phase_of_moon", 1),))
    with pytest.raises(CompileError, match="未知事件 phase_of_moon"):
        compile_escalation(config, "escalation_test")


KIND_ROWS = (
    make_row("by-type", when_types=["举报"], whistle=True),
    make_row("by-leaf", when_categories=["cat-water-pipe"], whistle=True),
    make_row("by-top", when_categories=["cat-water"], whistle=True),
    make_row("by-keyword", when_keywords_any=["水管爆了", "爆管"], whistle=True),
    make_row("by-subdistrict", when_subdistricts=["sd-daminghu"], whistle=True),
    make_row("if-urgent", when_urgent=True, whistle=True),
    make_row("if-not-urgent", when_urgent=False, whistle=True),
    make_row("repeat-2", when_repeat_count_gte=2, whistle=True),
    make_row("departments-2", when_departments_involved_gte=2, whistle=True),
    make_row("always", whistle=True),
)

BASE_FEATURES = {
    "type": "投诉",
    "category": "cat-water-pipe",
    "top_category": "cat-water",
    "subdistrict": "sd-daminghu",
    "repeat_count": 1,
    "departments_involved": 1,
    "hit_keywords": ("水管爆了",),
}


def fired_codes(engine, config, features, urgent=False):
    (indexes,) = engine.fire_routing(config, features, (urgent,))
    return sorted(config.routing[i].code for i in indexes)


@pytest.mark.parametrize(
    ("change", "urgent", "expected"),
    [
        ({}, False, ["always", "by-keyword", "by-leaf", "by-subdistrict", "by-top", "if-not-urgent"]),
        ({}, True, ["always", "by-keyword", "by-leaf", "by-subdistrict", "by-top", "if-urgent"]),
        (
            {"type": "举报", "repeat_count": 2, "departments_involved": 2},
            False,
            [
                "always",
                "by-keyword",
                "by-leaf",
                "by-subdistrict",
                "by-top",
                "by-type",
                "departments-2",
                "if-not-urgent",
                "repeat-2",
            ],
        ),
        (
            {"category": "cat-water-meter", "subdistrict": None, "hit_keywords": ("水表",)},
            False,
            ["always", "by-top", "if-not-urgent"],
        ),
        (
            {"category": None, "top_category": None, "subdistrict": None, "hit_keywords": ()},
            False,
            ["always", "if-not-urgent"],
        ),
    ],
)
def test_each_condition_kind_fires_through_durable_rules(reference, engine, change, urgent, expected):
    config = with_rows(reference, *KIND_ROWS)
    assert fired_codes(engine, config, {**BASE_FEATURES, **change}, urgent) == expected


def test_fact_is_flat_and_leaves_out_unknown_values(reference):
    config = with_rows(reference, *KIND_ROWS)
    compiled = compile_routing(config, "routing_fact_test")
    fact = routing_fact({**BASE_FEATURES, "subdistrict": None, "hit_keywords": ("水管爆了", "水表")}, compiled, False)
    assert fact == {
        "urgent": False,
        "repeat_count": 1,
        "departments_involved": 1,
        "type": "投诉",
        "category": "cat-water-pipe",
        "top_category": "cat-water",
        "kw0": True,
    }


def test_two_facts_in_one_session(reference, engine):
    config = with_rows(reference, *KIND_ROWS)
    first, second = engine.fire_routing(config, BASE_FEATURES, (False, True))
    codes = [config.routing[i].code for i in sorted(first ^ second)]
    assert codes == ["if-urgent", "if-not-urgent"]
    assert engine.live_sessions == 0


def test_sessions_are_deleted_so_thousands_of_decisions_do_not_hit_the_sid_limit(reference, engine):
    # durable_rules allows 1024 live sessions per ruleset; one leaked per decision would crash here.
    cases = read_dev_cases()
    for i in range(2000):
        case = cases[i % len(cases)]
        decision = decide(case["request"], case.get("history", []), reference, engine=engine)
        assert decision.needs_manual_dispatch is False
    assert engine.live_sessions == 0
    assert len(engine.registered_rulesets()) == 1


def test_same_content_compiles_once_and_old_rulesets_are_evicted(reference):
    engine = RulesEngine(max_rulesets=2)
    try:
        features = dict(BASE_FEATURES)
        same_a = with_rows(reference, *KIND_ROWS, version=7)
        same_b = with_rows(reference, *KIND_ROWS, version=7)
        engine.fire_routing(same_a, features, (False,))
        engine.fire_routing(same_b, features, (False,))
        assert engine.registered_rulesets() == ("routing_v7_1",)
        for version in (8, 9, 10):
            engine.fire_routing(with_rows(reference, *KIND_ROWS, version=version), features, (False,))
        assert engine.registered_rulesets() == ("routing_v9_3", "routing_v10_4")
        assert sorted(engine._host._ruleset_directory) == ["routing_v10_4", "routing_v9_3"]
        # An evicted version comes back under a new name and still decides.
        assert fired_codes(engine, same_a, features)[0] == "always"
        assert engine.registered_rulesets()[-1] == "routing_v7_5"
    finally:
        engine.clear()
    assert engine._host._ruleset_directory == {}


def test_engine_is_safe_to_share_between_threads(reference, engine):
    cases = read_dev_cases()
    expected = [decide(c["request"], c.get("history", []), reference, engine=engine).to_dict() for c in cases]
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            results[n] = [
                decide(c["request"], c.get("history", []), reference, engine=engine).to_dict()
                for _ in range(5)
                for c in cases
            ]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for n in range(4):
        assert results[n] == expected * 5
    assert engine.live_sessions == 0
