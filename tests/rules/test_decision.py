"""decide(): default routing, priorities, merge semantics, placeholders, urgency order, fallbacks."""

from __future__ import annotations

import json
import logging

import pytest
import time_machine

from rules import decision as decision_module
from rules.decision import REASON_NO_CATEGORY, REASON_NO_GRID, decide

from .conftest import make_row, with_rows

ADDRESS = "历下区泉城路街道芙蓉街16号"  # grid-furongli-02, sd-quanchenglu


def request(text, type_="投诉", **extra):
    return {"type": type_, "text": text, "address": ADDRESS, "received_at": "2026-03-10T09:00:00+08:00", **extra}


def routed(decision):
    return (decision.lead, decision.co_handlers, decision.whistle, decision.urgent, decision.escalation_level)


def test_default_routing_without_rows(reference, engine):
    config = with_rows(reference)
    d = decide(request("院里下水道堵了，水质也发黄"), [], config, engine=engine)
    assert (d.category, d.category_name, d.top_category) == ("cat-drain-sewer", "下水道堵塞与污水外溢", "cat-drain")
    assert routed(d) == ("dept-drain", (), False, False, 0)
    assert d.fired_rules == ()
    assert (d.grid, d.community, d.subdistrict) == ("grid-furongli-02", "com-furongli", "sd-quanchenglu")
    assert d.matched_keywords == ("下水道堵", "水质")
    assert d.departments_mentioned == ("dept-drain", "dept-water")


def test_rows_apply_in_priority_order_and_the_later_lead_wins(reference, engine):
    config = with_rows(
        reference,
        make_row("late", 30, when_types=["投诉"], lead="community"),
        make_row("early", 10, when_types=["投诉"], lead="grid"),
        make_row("middle", 20, when_types=["投诉"], lead="dept-urban"),
    )
    d = decide(request("下水道堵了"), [], config, engine=engine)
    assert d.fired_rules == ("early", "middle", "late")
    assert d.lead == "community"


def test_equal_priorities_keep_table_order(reference, engine):
    config = with_rows(
        reference,
        make_row("first", 10, lead="grid"),
        make_row("second", 10, lead="subdistrict"),
    )
    d = decide(request("下水道堵了"), [], config, engine=engine)
    assert d.fired_rules == ("first", "second")
    assert d.lead == "subdistrict"


def test_co_handlers_merge_in_order_without_duplicates_and_drop_the_lead(reference, engine):
    config = with_rows(
        reference,
        make_row("a", 10, co_handlers=["dept-water", "community"]),
        make_row("b", 20, co_handlers=["community", "dept-drain", "grid"]),
        make_row("c", 30, lead="dept-water"),
    )
    d = decide(request("下水道堵了"), [], config, engine=engine)
    assert d.lead == "dept-water"
    assert d.co_handlers == ("community", "dept-drain", "grid")


def test_whistle_and_urgent_are_or_and_escalation_is_max_capped(reference, engine):
    config = with_rows(
        reference,
        make_row("on", 10, whistle=True, urgent=True, escalate_to_level=3),
        make_row("off", 20, whistle=False, urgent=False, escalate_to_level=2),
    )
    d = decide(request("下水道堵了"), [], config, engine=engine)
    assert routed(d) == ("dept-drain", (), True, True, 3)
    capped = with_rows(reference, make_row("too-high", 10, escalate_to_level=9))
    assert decide(request("下水道堵了"), [], capped, engine=engine).escalation_level == 4


def test_urgent_row_shortens_the_deadlines(reference, engine):
    config = with_rows(reference, make_row("urgent-drain", 10, when_categories=["cat-drain"], urgent=True))
    d = decide(request("下水道堵了"), [], config, engine=engine)
    assert d.urgent is True
    assert d.ack_due.isoformat() == "2026-03-10T10:00:00+08:00"
    assert d.feedback_due.isoformat() == "2026-03-10T23:59:59+08:00"
    assert d.complete_due.isoformat() == "2026-03-13T23:59:59+08:00"


def test_placeholders_resolve_to_the_mentioned_departments(reference, engine):
    config = with_rows(
        reference,
        make_row(
            "whistle",
            10,
            when_departments_involved_gte=2,
            lead="$first_mentioned_department",
            co_handlers=["$other_mentioned_departments", "community"],
            whistle=True,
        ),
    )
    text = "楼上邻居天天吵，楼道里电动车上楼充电，下水道堵了，自来水发黄，电动车上楼的也多"
    d = decide(request(text), [], config, engine=engine)
    assert d.category == "cat-dispute-neighbor"
    assert d.departments_mentioned == ("dept-fire", "dept-drain", "dept-water")
    assert routed(d) == ("dept-fire", ("dept-drain", "dept-water", "community"), True, False, 0)


def test_first_mentioned_department_without_any_department_keeps_the_lead(reference, engine):
    config = with_rows(reference, make_row("first", 10, lead="$first_mentioned_department"))
    d = decide(request("楼上邻居天天吵"), [], config, engine=engine)
    assert d.fired_rules == ("first",)
    assert d.lead == "grid"


def test_urgency_set_by_a_row_is_seen_by_later_rows_only(reference, engine):
    config = with_rows(
        reference,
        make_row("before", 5, when_urgent=True, co_handlers=["community"]),
        make_row("make-urgent", 10, when_types=["求助"], urgent=True),
        make_row("after-urgent", 20, when_urgent=True, whistle=True),
        make_row("after-not-urgent", 30, when_urgent=False, co_handlers=["grid"]),
    )
    d = decide(request("下水道堵了", type_="求助"), [], config, engine=engine)
    assert d.fired_rules == ("make-urgent", "after-urgent")
    assert routed(d) == ("dept-drain", (), True, True, 0)

    not_help = decide(request("下水道堵了", type_="投诉"), [], config, engine=engine)
    assert not_help.fired_rules == ("after-not-urgent",)
    assert routed(not_help) == ("dept-drain", ("grid",), False, False, 0)

    by_keyword = decide(request("污水倒灌进屋", type_="投诉"), [], config, engine=engine)
    assert by_keyword.fired_rules == ("before", "after-urgent")
    assert by_keyword.urgent is True


def test_reference_rows_town_and_dispute(reference):
    town = decide(request("村里垃圾没人收", address="历下区泉韵镇上泉村前街7号"), [], reference)
    assert (town.lead, town.fired_rules) == ("subdistrict", ("route-town-village-services",))
    city = decide(request("巷子里垃圾没人收"), [], reference)
    assert (city.lead, city.fired_rules) == ("dept-urban", ())
    dispute = decide(request("楼上太吵了"), [], reference)
    assert (dispute.lead, dispute.co_handlers) == ("grid", ("community",))


def test_nothing_matched_goes_to_manual_dispatch(reference):
    d = decide(request("想问一下今天天气怎么样"), [], reference)
    assert d.needs_manual_dispatch is True
    assert d.reason == REASON_NO_CATEGORY
    assert (d.category, d.lead, d.co_handlers, d.urgent) == (None, None, (), False)
    assert d.feedback_due.isoformat() == "2026-03-11T23:59:59+08:00"
    assert d.to_dict()["category"] is None


def test_unlocatable_request_is_routed_but_flagged(reference):
    d = decide(request("下水道堵了", address="外地某路1号"), [], reference)
    assert (d.category, d.lead, d.grid) == ("cat-drain-sewer", "dept-drain", None)
    assert d.needs_manual_dispatch is True
    assert d.reason == REASON_NO_GRID


def test_unknown_type_keeps_the_routing_and_asks_for_deadlines(reference):
    d = decide(request("下水道堵了", type_="表扬"), [], reference)
    assert (d.lead, d.feedback_due, d.complete_due, d.ack_due) == ("dept-drain", None, None, None)
    assert d.needs_manual_dispatch is True
    assert "办理时限计算失败" in d.reason


def test_engine_failure_falls_back_to_manual_dispatch_with_what_is_known(reference, engine, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(engine, "fire_routing", broken)
    with caplog.at_level(logging.ERROR, logger="rules.decision"):
        d = decide(request("一股煤气味"), [], reference, engine=engine)
    assert d.needs_manual_dispatch is True
    assert d.reason == "规则引擎出错，已转人工派单（RuntimeError: engine exploded）"
    assert (d.category, d.grid, d.lead, d.urgent, d.fired_rules) == (
        "cat-gas-leak",
        "grid-furongli-02",
        "dept-gas",
        True,
        (),
    )
    assert d.feedback_due.isoformat() == "2026-03-10T23:59:59+08:00"
    assert "规则决策失败" in caplog.text


def test_feature_failure_falls_back_to_an_empty_manual_decision(reference, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("bad request")

    monkeypatch.setattr(decision_module, "extract_features", broken)
    d = decide(request("一股煤气味"), [], reference)
    assert d.needs_manual_dispatch is True
    assert d.reason == "规则引擎出错，已转人工派单（ValueError: bad request）"
    assert (d.category, d.lead, d.feedback_due, d.ruleset_version) == (None, None, None, 1)


def test_bad_received_at_never_raises(reference):
    d = decide(request("下水道堵了", received_at="昨天下午"), [], reference)
    assert d.needs_manual_dispatch is True
    assert d.reason.startswith("规则引擎出错，已转人工派单（ValueError")


def test_missing_received_at_means_now(reference):
    with time_machine.travel("2026-09-30T12:00:00+08:00", tick=False):
        d = decide({"type": "投诉", "text": "下水道堵了", "address": ADDRESS}, None, reference)
    assert d.ack_due.isoformat() == "2026-10-01T12:00:00+08:00"
    assert d.complete_due.isoformat() == "2026-10-13T23:59:59+08:00"


def test_calendar_estimated_flag(reference):
    d = decide(request("下水道堵了", received_at="2026-12-28T08:30:00+08:00"), [], reference)
    assert (d.complete_due.isoformat(), d.calendar_estimated) == ("2027-01-05T23:59:59+08:00", True)
    assert decide(request("下水道堵了"), [], reference).calendar_estimated is False


def test_record_is_json_safe(reference):
    d = decide(request("一股煤气味，下水道也堵了"), [], reference)
    record = d.as_record()
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record
    assert record["co_handlers"] == ["dept-drain"]
    assert record["fired_rules"] == ["route-multi-department-whistle", "route-urgent-keywords"]
    assert record["urgent_keywords"] == ["煤气味"]
    assert record["location_source"] == "address"
    assert d.to_dict() == {key: record[key] for key in d.to_dict()}


def test_decision_is_immutable(reference):
    d = decide(request("下水道堵了"), [], reference)
    with pytest.raises(AttributeError):
        d.lead = "grid"


def test_type_with_stray_whitespace(reference):
    d = decide(request("下水道堵了", type_=" 投诉\n"), [], reference)
    assert (d.needs_manual_dispatch, d.complete_due.isoformat()) == (False, "2026-03-17T23:59:59+08:00")
