"""Decisions with the classifier: the keyword set stays exact, worries are not emergencies, nothing raises."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rules.decision import EXPECT_KEYS, PREVIEW_KEYS, decide
from rules.engine import RulesEngine
from rules.services import preview
from tests.rules.conftest import make_row, read_dev_cases, with_rows

CASES = read_dev_cases()
BASE = {"type": "投诉", "address": "历下区泉城路街道芙蓉街16号", "received_at": "2026-03-17T09:25:00+08:00"}


def request(text: str, **extra) -> dict:
    return {**BASE, "text": text, **extra}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_keyword_dev_set_stays_exact_with_the_classifier(case, smart):
    out = decide(case["request"], case.get("history", []), smart).to_dict()
    assert {key: out[key] for key in case["expect"]} == case["expect"]


def test_route_preview_keeps_every_key_and_adds_the_classifier_fields(smart):
    (out,) = preview([{"request": request("家里暖气一点都不热，屋里才十二度")}], config=smart)
    assert tuple(out)[: len(EXPECT_KEYS)] == EXPECT_KEYS
    assert tuple(out) == PREVIEW_KEYS
    assert out["category"] == "cat-heat-cold"
    assert 0.0 <= out["category_confidence"] <= 1.0
    assert out["suggestions"][0] == "cat-heat-cold" and len(out["suggestions"]) == 3
    assert out["model_version"] == smart.model_version
    assert json.dumps(out, ensure_ascii=False)


def test_understands_requests_without_keywords(smart):
    assert decide(request("楼道里堆满了纸箱子，过不去人"), (), smart).category is not None
    d = decide(request("楼顶私自加盖了一间彩钢房"), (), smart)
    assert (d.category, d.lead) == ("cat-city-illegal-build", "dept-enforce")


def test_a_hypothetical_fire_is_not_urgent_but_a_fire_now_is(smart):
    worry = decide(request("楼道里堆满了纸箱，万一起火怎么办，希望物业清一清"), (), smart)
    assert worry.urgent is False
    assert "route-urgent-keywords" not in worry.fired_rules
    fire = decide(request("楼道里的纸箱烧起来了，烟很大，快来人"), (), smart)
    assert fire.urgent is True


def test_urgency_from_the_text_without_an_urgent_keyword(smart):
    d = decide(request("下水井盖子没了，黑咕隆咚的一个大洞，刚才有个小孩差点掉进去"), (), smart)
    assert d.urgent is True
    assert d.urgent_cues


def test_below_the_confidence_threshold_goes_to_the_manual_queue_with_suggestions(smart):
    strict = dataclasses.replace(smart, auto_dispatch_confidence=0.999)
    d = decide(request("俺家那事还没人管，恁给问问到底咋弄"), (), strict)
    assert d.category is None and d.lead is None
    assert d.needs_manual_dispatch is True
    assert "低于自动派单阈值" in d.reason or "不属于任何" in d.reason
    assert 1 <= len(d.suggestions) <= 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "水",
        "a" * 10,
        "😀😀😀🔥",
        "The street light outside my building is broken",
        "樓道裡有煤氣味，趕緊來人",
        "loudao li you meiqi wei",
        "暖气不热" * 1000,
        "\x00\u200b\ufeff",
    ],
    ids=["empty", "blank", "one-char", "latin", "emoji", "english", "traditional", "pinyin", "4000-chars", "control"],
)
def test_bad_input_gets_a_decision_or_a_manual_reason_never_an_exception(smart, text):
    d = decide(request(text), (), smart)
    assert d.category is not None or (d.needs_manual_dispatch and d.reason)
    assert json.dumps(d.to_dict(), ensure_ascii=False)


def test_traditional_characters_are_understood_like_simplified(smart):
    assert decide(request("樓道裡有煤氣味，趕緊來人"), (), smart).category == "cat-gas-leak"


def test_a_word_in_passing_adds_no_co_handler(smart):
    d = decide(request("小区门口那段路灯坏了半个月，晚上推着轮椅的老人出门都看不清路"), (), smart)
    assert d.category == "cat-road-light"
    assert d.co_handlers == () and d.whistle is False


def test_new_row_conditions_test_the_classifier_facts(smart):
    rows = (
        make_row("sure", 10, when_confidence_gte=0.5, escalate_to_level=1),
        make_row("urgent-signal", 20, when_urgent_signal=True, whistle=True),
        make_row("second", 30, when_secondary_present=True, co_handlers=("community",)),
    )
    config = dataclasses.replace(with_rows(smart, *rows), text_model=smart.text_model)
    engine = RulesEngine()
    try:
        calm = decide(request("小区门口的路灯坏了好几天，晚上黑乎乎的"), (), config, engine=engine)
        assert calm.fired_rules == ("sure",)
        two = decide(
            request("家里暖气阀门漏水，关也关不上；另外，楼道的墙皮脱落，掉得到处都是，一并解决"),
            (),
            config,
            engine=engine,
        )
        assert "second" in two.fired_rules and two.secondary_categories
    finally:
        engine.clear()
