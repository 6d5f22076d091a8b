"""Pre-publication checks of a rule table."""

from __future__ import annotations

import dataclasses

from rules.snapshot import CategoryLeaf, EscalationTrigger
from rules.validation import RuleWarning, Warning, implies, validate

from .conftest import make_row, with_rows


def codes(warnings):
    return [(w.row_code, w.code) for w in warnings]


def test_reference_table_is_clean(reference):
    assert validate(reference) == []


def test_warning_alias():
    assert Warning is RuleWarning


def test_unknown_references(reference):
    config = with_rows(
        reference,
        make_row(
            "bad-refs",
            when_types=["表扬"],
            when_categories=["cat-nope", "cat-water"],
            when_subdistricts=["sd-atlantis"],
            when_keywords_any=["爆管", "外星人"],
            lead="dept-nope",
            co_handlers=["dept-water", "dept-ghost", "$other_mentioned_departments"],
        ),
    )
    assert validate(config) == [
        RuleWarning("bad-refs", "unknown_type", "诉求类型“表扬”不存在。"),
        RuleWarning("bad-refs", "unknown_category", "诉求分类“cat-nope”不存在。"),
        RuleWarning("bad-refs", "unknown_subdistrict", "街道（镇）“sd-atlantis”不存在。"),
        RuleWarning(
            "bad-refs",
            "unknown_keyword",
            "关键词“外星人”不是任何诉求分类的关键词，按匹配规则永远不会命中；请先把它加到分类关键词中。",
        ),
        RuleWarning("bad-refs", "unknown_lead", "主办单位“dept-nope”不存在。"),
        RuleWarning("bad-refs", "unknown_co_handler", "协办单位“dept-ghost”不存在。"),
    ]


def test_rows_without_conditions_or_actions_and_duplicate_codes(reference):
    config = with_rows(
        reference,
        make_row("everything", whistle=True),
        make_row("nothing", when_types=["投诉"]),
        make_row("nothing", when_types=["举报"], urgent=True),
    )
    assert codes(validate(config)) == [
        ("everything", "no_conditions"),
        ("nothing", "no_actions"),
        ("nothing", "duplicate_code"),
    ]


def test_thresholds_levels_and_placeholders(reference):
    config = with_rows(
        reference,
        make_row("r1", when_repeat_count_gte=1, whistle=True),
        make_row("r2", when_departments_involved_gte=99, whistle=True),
        make_row("r3", when_types=["投诉"], escalate_to_level=7),
        make_row("r4", when_types=["举报"], lead="$other_mentioned_departments"),
    )
    assert codes(validate(config)) == [
        ("r1", "always_true"),
        ("r2", "never_fires"),
        ("r3", "level_out_of_range"),
        ("r4", "bad_placeholder"),
    ]


def test_shadowed_rows(reference):
    config = with_rows(
        reference,
        # Broad rows that fire whenever the narrow ones do.
        make_row("broad-whistle", 10, when_types=["投诉", "举报"], whistle=True, escalate_to_level=3),
        make_row("broad-lead", 50, when_categories=["cat-water"], lead="dept-water"),
        # Redundant: both effects already guaranteed by broad-whistle.
        make_row("narrow-whistle", 20, when_types=["投诉"], when_urgent=True, whistle=True, escalate_to_level=2),
        # Redundant: its lead is always overridden later by broad-lead (same conditions or narrower).
        make_row("narrow-lead", 30, when_categories=["cat-water-pipe"], lead="grid"),
        # Not redundant: it also adds a co-handler nobody else adds.
        make_row("adds-something", 30, when_types=["投诉"], whistle=True, co_handlers=["community"]),
        # Not redundant: its level is higher.
        make_row("higher", 30, when_types=["举报"], escalate_to_level=4),
    )
    assert validate(config) == [
        RuleWarning(
            "narrow-whistle",
            "shadowed",
            "每当该行生效时，规则行 broad-whistle 也必然生效并已决定同样的结果，该行不会改变任何决定。",
        ),
        RuleWarning(
            "narrow-lead",
            "shadowed",
            "每当该行生效时，规则行 broad-lead 也必然生效并已决定同样的结果，该行不会改变任何决定。",
        ),
    ]


def test_a_later_lead_only_shadows_when_applied_later(reference):
    config = with_rows(
        reference,
        make_row("later-narrow", 60, when_categories=["cat-water-pipe"], lead="grid"),
        make_row("earlier-broad", 50, when_categories=["cat-water"], lead="dept-water"),
    )
    assert validate(config) == []


def test_same_priority_rows_with_different_leads(reference):
    config = with_rows(
        reference,
        make_row("a", 40, when_types=["投诉"], lead="grid"),
        make_row("b", 40, when_types=["举报"], lead="community"),
        make_row("c", 40, when_types=["求助"], lead="grid"),
    )
    assert validate(config) == [
        RuleWarning(
            "b",
            "same_priority_conflict",
            "与规则行 a 优先级同为 40 但主办单位不同（grid / community），"
            "两者同时生效时结果取决于表中顺序；请调整优先级。",
        ),
        RuleWarning(
            "c",
            "same_priority_conflict",
            "与规则行 b 优先级同为 40 但主办单位不同（community / grid），"
            "两者同时生效时结果取决于表中顺序；请调整优先级。",
        ),
    ]


def test_category_and_escalation_checks(reference):
    leaves = (
        *reference.categories,
        CategoryLeaf("cat-extra", "重复", "cat-water", "供水", "dept-nowhere", keywords=("爆管",)),
    )
    config = dataclasses.replace(
        reference,
        categories=leaves,
        escalation_cap=5,
        escalation_triggers=(*reference.escalation_triggers, EscalationTrigger("esc-moon", "full_moon", 0)),
    )
    assert codes(validate(config)) == [
        ("cat-extra", "unknown_default_lead"),
        ("cat-extra", "duplicate_keyword"),
        ("escalation", "cap_without_level"),
        ("esc-moon", "unknown_event"),
        ("esc-moon", "no_effect"),
    ]


def test_implies(reference):
    def when(**spec):
        return make_row("x", **spec, whistle=True).when

    assert implies(when(when_categories=["cat-water-pipe"]), when(when_categories=["cat-water"]), reference)
    assert not implies(when(when_categories=["cat-water"]), when(when_categories=["cat-water-pipe"]), reference)
    all_water = [leaf.code for leaf in reference.categories if leaf.parent_code == "cat-water"]
    assert implies(when(when_categories=["cat-water"]), when(when_categories=all_water), reference)
    assert implies(when(when_repeat_count_gte=4), when(when_repeat_count_gte=3), reference)
    assert not implies(when(when_repeat_count_gte=2), when(when_repeat_count_gte=3), reference)
    assert not implies(when(), when(when_types=["投诉"]), reference)
    assert implies(when(when_types=["投诉"]), when(), reference)
