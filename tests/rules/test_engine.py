"""The durable_rules adapter: compiled conditions, firing, validation, caching, no leaked sessions."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from rules.decision import decide
from rules.engine import (
    CompileError,
    EngineError,
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
        (RowConditions(), [{"$ex": {"phase": 1}}]),
        (RowConditions(types=("投诉",)), [{"type": "投诉"}]),
        (RowConditions(types=("投诉", "举报", "投诉")), [{"type": "投诉"}, {"type": "举报"}]),
        (
            RowConditions(categories=("cat-water", "cat-drain-sewer")),
            [{"top_category": "cat-water"}, {"category": "cat-drain-sewer"}],
        ),
        (RowConditions(keywords_any=("爆管", "水管爆了")), [{"kw0": True}, {"kw1": True}]),
        (RowConditions(subdistricts=("sd-quanyun",)), [{"subdistrict": "sd-quanyun"}]),
        (RowConditions(urgent=False), [{"urgent": False}]),
        (RowConditions(repeat_count_gte=3), [{"$gte": {"repeat_count": 3}}]),
        (RowConditions(departments_involved_gte=2), [{"$gte": {"departments_involved": 2}}]),
        (
            # Conditions in a fixed field order, lists expanded into one conjunction per value.
            RowConditions(keywords_any=("爆管",), repeat_count_gte=2, urgent=True, types=("求助", "投诉")),
            [
                {"$and": [{"type": "求助"}, {"urgent": True}, {"$gte": {"repeat_count": 2}}, {"kw0": True}]},
                {"$and": [{"type": "投诉"}, {"urgent": True}, {"$gte": {"repeat_count": 2}}, {"kw0": True}]},
            ],
        ),
    ],
)
def test_compile_each_condition_kind(when, expected):
    expressions = compile_conditions(when, KW, TOPS)
    assert expressions == expected
    for expression in expressions:
        validate_expression(expression, "test")


def test_too_many_combinations_do_not_compile():
    when = RowConditions(types=tuple(f"t{i}" for i in range(50)), subdistricts=tuple(f"s{i}" for i in range(50)))
    with pytest.raises(CompileError, match="条件组合数 2500 超过上限"):
        compile_conditions(when, KW, TOPS)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"$in": {"type": ["投诉"]}}, "不支持的运算符 \\$in"),
        ({"$or": [{"type": "投诉"}, {"type": "举报"}]}, "不支持的运算符 \\$or"),
        ({"$and": [{"type": "投诉"}, {"$like": {"type": "投"}}]}, "不支持的运算符 \\$like"),
        ({"$and": []}, "需要非空列表"),
        ({"type": ["投诉"]}, "必须是标量"),
        ({"sid": "1"}, "保留字"),
        ({"type": "投诉", "urgent": True}, "只有一个键"),
        ({"$gte": {"repeat_count": [3]}}, "必须是标量"),
    ],
)
def test_invalid_expressions_are_rejected(expression, message):
    with pytest.raises(CompileError, match=message):
        validate_expression(expression, "规则行 x")


def test_compiled_reference_table(reference):
    table = compile_routing(reference, "routing_test")
    (ruleset,) = table.rulesets
    definition = ruleset.definition
    # town: 2 categories; whistle: 1; urgent keywords: 68; dispute: 1; repeat: 3 types.
    assert len(definition) == 2 + 1 + 68 + 1 + 3 + 1
    assert definition["c0"] == {
        "all": [{"m": {"$and": [{"category": "cat-city-garbage"}, {"subdistrict": "sd-quanyun"}]}}],
        "run": "c0",
    }
    assert definition["seen"] == {"all": [{"m": {"$ex": {"phase": 1}}}], "run": "seen"}
    assert ruleset.rule_targets["c0"] == (0,)
    assert ruleset.rule_targets["c2"] == (1,)
    assert sorted({rows for rows in ruleset.rule_targets.values()}) == [(0,), (1,), (2,), (3,), (4,)]
    assert len(table.keyword_fields) == len(set(reference.routing[2].when.keywords_any)) == 68


def test_identical_conjunctions_share_one_rule(reference):
    config = with_rows(
        reference,
        make_row("a", when_types=["投诉", "举报"], whistle=True),
        make_row("b", when_types=["举报"], urgent=True),
    )
    (ruleset,) = compile_routing(config, "shared").rulesets
    assert ruleset.rule_targets == {"c0": (0,), "c1": (0, 1)}


def test_large_tables_are_split_into_several_rulesets(reference):
    rows = [make_row(f"r{i}", when_types=["投诉"], when_repeat_count_gte=i + 2, whistle=True) for i in range(1600)]
    table = compile_routing(with_rows(reference, *rows), "big")
    assert [len(r.definition) - 1 for r in table.rulesets] == [400, 400, 400, 400]


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
    table = compile_routing(config, "routing_fact_test")
    fact = routing_fact({**BASE_FEATURES, "subdistrict": None, "hit_keywords": ("水管爆了", "水表")}, table, False)
    assert fact == {
        "urgent": False,
        "repeat_count": 1,
        "departments_involved": 1,
        "category_confidence": 0.0,
        "urgent_signal": False,
        "secondary_present": False,
        "type": "投诉",
        "category": "cat-water-pipe",
        "top_category": "cat-water",
        "kw0": True,
    }


def test_a_fact_with_too_many_fields_is_refused(reference):
    rows = [
        make_row("many", when_keywords_any=[k for leaf in reference.categories for k in leaf.keywords], whistle=True)
    ]
    table = compile_routing(with_rows(reference, *rows), "many_fields")
    keywords = tuple(k for leaf in reference.categories for k in leaf.keywords)[:250]
    with pytest.raises(EngineError, match="命中的关键词过多"):
        routing_fact({**BASE_FEATURES, "hit_keywords": keywords}, table, False)


def test_rows_that_test_urgency_get_rulesets_of_their_own(reference, engine):
    config = with_rows(reference, *KIND_ROWS)
    table = compile_routing(config, "split")
    assert [(r.name, r.tests_urgency) for r in table.rulesets] == [("split", False), ("split_u", True)]
    assert sorted({i for r in table.rulesets[1].rule_targets.values() for i in r}) == [5, 6]
    (only,) = engine.fire_routing(config, BASE_FEATURES, (True,), urgency_rows_only=True)
    assert sorted(config.routing[i].code for i in only) == ["if-urgent"]


def test_two_facts_in_one_session(reference, engine):
    config = with_rows(reference, *KIND_ROWS)
    first, second = engine.fire_routing(config, BASE_FEATURES, (False, True))
    codes = [config.routing[i].code for i in sorted(first ^ second)]
    assert codes == ["if-urgent", "if-not-urgent"]
    assert engine.live_facts() == 0


def test_no_session_or_fact_is_left_behind(reference, engine):
    # durable_rules allows 1024 live sessions per ruleset and keeps every fact until retracted;
    # one session or fact leaked per decision would fail or grow here.
    cases = read_dev_cases()
    for i in range(2000):
        case = cases[i % len(cases)]
        decision = decide(case["request"], case.get("history", []), reference, engine=engine)
        assert decision.needs_manual_dispatch is False
    assert engine.live_facts() == 0
    assert engine.registered_rulesets() == ("routing_v1_1",)
    ((_, (_table, (registered,))),) = engine._cache.items()
    assert (registered.sid, registered.abandoned) == ("w1", 0)


def test_same_content_compiles_once_and_old_rulesets_are_evicted(reference):
    engine = RulesEngine(max_tables=2)
    try:
        features = dict(BASE_FEATURES)
        same_a = with_rows(reference, *KIND_ROWS, version=7)
        same_b = with_rows(reference, *KIND_ROWS, version=7)
        engine.fire_routing(same_a, features, (False,))
        engine.fire_routing(same_b, features, (False,))
        assert engine.registered_rulesets() == ("routing_v7_1", "routing_v7_1_u")
        for version in (8, 9, 10):
            engine.fire_routing(with_rows(reference, *KIND_ROWS, version=version), features, (False,))
        assert engine.registered_rulesets() == ("routing_v9_3", "routing_v9_3_u", "routing_v10_4", "routing_v10_4_u")
        assert sorted(engine._host._ruleset_directory) == [
            "routing_v10_4",
            "routing_v10_4_u",
            "routing_v9_3",
            "routing_v9_3_u",
        ]
        # An evicted version comes back under a new name and still decides.
        assert fired_codes(engine, same_a, features)[0] == "always"
        assert engine.registered_rulesets()[-2:] == ("routing_v7_5", "routing_v7_5_u")
        assert engine.live_facts() == 0
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
    assert engine.live_facts() == 0


def test_a_failing_assertion_abandons_the_session_and_later_decisions_recover(reference, engine, monkeypatch):
    import durable_rules_engine

    from rules import engine as engine_module

    case = read_dev_cases()[0]
    assert decide(case["request"], [], reference, engine=engine).needs_manual_dispatch is False
    real_assert = durable_rules_engine.assert_fact

    def failing(handle, message):
        raise durable_rules_engine.error("Could not assert fact, error code: 303")

    monkeypatch.setattr(engine_module.durable_rules_engine, "assert_fact", failing)
    broken = decide(case["request"], [], reference, engine=engine)
    assert broken.needs_manual_dispatch is True
    assert broken.reason.startswith("规则引擎出错，已转人工派单（EngineError: 规则集 routing_v1_1 出错")
    assert (broken.category, broken.lead) == ("cat-gas-leak", "dept-gas")

    monkeypatch.setattr(engine_module.durable_rules_engine, "assert_fact", real_assert)
    ((_, (_table, (registered,))),) = engine._cache.items()
    assert (registered.sid, registered.abandoned) == ("w2", 1)  # the failed session is never touched again
    recovered = decide(case["request"], [], reference, engine=engine)
    assert recovered.needs_manual_dispatch is False
    assert recovered.to_dict() == decide(case["request"], [], reference, engine=engine).to_dict()


def test_a_ruleset_that_keeps_failing_is_compiled_afresh(reference, engine, monkeypatch):
    from rules import engine as engine_module

    case = read_dev_cases()[0]
    decide(case["request"], [], reference, engine=engine)
    real_assert = engine_module.durable_rules_engine.assert_fact
    monkeypatch.setattr(engine_module.durable_rules_engine, "assert_fact", lambda h, m: (1, 0))  # "not handled"
    for _ in range(engine_module.MAX_ABANDONED_SESSIONS):
        assert decide(case["request"], [], reference, engine=engine).needs_manual_dispatch is True
    monkeypatch.setattr(engine_module.durable_rules_engine, "assert_fact", real_assert)
    assert decide(case["request"], [], reference, engine=engine).needs_manual_dispatch is False
    assert engine.registered_rulesets() == ("routing_v1_2",)
    assert "routing_v1_1" not in engine._host._ruleset_directory


def test_huge_tables_still_decide(reference, engine):
    """2,000 rows that each share their conditions with hundreds of others (an $or would overflow)."""
    rows = [
        make_row(
            f"r{i}",
            when_types=["投诉", "举报", "求助"],
            when_categories=["cat-gas", "cat-drain"],
            co_handlers=[f"dept-{i}"],
        )
        for i in range(2000)
    ]
    config = with_rows(reference, *rows)
    case = read_dev_cases()[0]
    decision = decide(case["request"], [], config, engine=engine)
    assert decision.needs_manual_dispatch is False
    assert len(decision.fired_rules) == 2000
    assert engine.live_facts() == 0
