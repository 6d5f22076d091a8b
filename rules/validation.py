"""Checks to run on a rule table before it is published.

Each finding is a ``RuleWarning`` with the row (or leaf, or trigger) it concerns, a stable
code and a Chinese message an administrator can act on. To check a draft, build a snapshot
with the draft rows (``dataclasses.replace(config, routing=rows)``) and call ``validate``.

A row is reported as shadowed ("changes nothing") when every effect it has is already
guaranteed by other rows that fire whenever it fires, under the merge semantics of
``rules.json``: its lead is always overridden by a row applied later; its co-handlers are
already added by a row applied earlier; its whistle/urgent flag is already set by some row;
its escalation level is already reached by some row. "Fires whenever it fires" is decided
conservatively from the conditions: every condition of the other row is implied by a
condition of this row (same or narrower lists, same urgency, same or higher thresholds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rules.engine import ESCALATION_EVENTS, CompileError, compile_conditions, validate_expression
from rules.matching import normalize
from rules.snapshot import (
    AREA_LEADS,
    FIRST_MENTIONED_DEPARTMENT,
    OTHER_MENTIONED_DEPARTMENTS,
    RoutingRow,
    RowConditions,
    RulesConfig,
)


@dataclass(frozen=True, slots=True)
class RuleWarning:
    row_code: str
    code: str
    message_zh: str


Warning = RuleWarning  # the name used in the design brief


def validate(config: RulesConfig) -> list[RuleWarning]:
    """All findings for the categories, routing rows and escalation ladder of ``config``."""
    warnings: list[RuleWarning] = []
    warnings += _check_categories(config)
    warnings += _check_rows(config)
    warnings += _check_shadowed(config)
    warnings += _check_same_priority(config)
    warnings += _check_escalation(config)
    return warnings


# --- categories ---------------------------------------------------------------------------


def _check_categories(config: RulesConfig) -> Iterable[RuleWarning]:
    owner: dict[str, str] = {}
    for leaf in config.categories:
        lead = leaf.default_lead
        if not (lead in config.departments or lead in AREA_LEADS):
            yield RuleWarning(leaf.code, "unknown_default_lead", f"分类“{leaf.name}”的默认主办单位“{lead}”不存在。")
        for keyword in dict.fromkeys((*leaf.keywords, *leaf.urgent_keywords)):
            form = normalize(keyword)
            first = owner.setdefault(form, leaf.code)
            if first != leaf.code:
                yield RuleWarning(
                    leaf.code,
                    "duplicate_keyword",
                    f"关键词“{keyword}”同时属于分类 {first} 和 {leaf.code}，匹配时只算作 {first}。",
                )


# --- rows ---------------------------------------------------------------------------------


def _all_keywords(config: RulesConfig) -> set[str]:
    return {normalize(k) for leaf in config.categories for k in (*leaf.keywords, *leaf.urgent_keywords)}


def _check_rows(config: RulesConfig) -> Iterable[RuleWarning]:
    known_keywords = _all_keywords(config)
    department_leads = {leaf.default_lead for leaf in config.categories if leaf.lead_is_department}
    seen_codes: set[str] = set()
    tops = frozenset(config.top_categories)
    for row in config.routing:
        code, when, then = row.code, row.when, row.then
        if code in seen_codes:
            yield RuleWarning(code, "duplicate_code", f"规则编码“{code}”重复，已触发规则将无法区分。")
        seen_codes.add(code)
        if when.is_empty():
            yield RuleWarning(code, "no_conditions", "该规则行没有任何条件，会对每一件诉求生效。")
        if then.is_empty():
            yield RuleWarning(code, "no_actions", "该规则行没有任何动作，生效与否都不改变结果。")
        for value in when.types:
            if value not in config.request_types:
                yield RuleWarning(code, "unknown_type", f"诉求类型“{value}”不存在。")
        for value in when.categories:
            if value not in config.leaves and value not in config.top_categories:
                yield RuleWarning(code, "unknown_category", f"诉求分类“{value}”不存在。")
        for value in when.subdistricts:
            if value not in config.subdistricts:
                yield RuleWarning(code, "unknown_subdistrict", f"街道（镇）“{value}”不存在。")
        for value in when.keywords_any:
            if normalize(value) not in known_keywords:
                yield RuleWarning(
                    code,
                    "unknown_keyword",
                    f"关键词“{value}”不是任何诉求分类的关键词，按匹配规则永远不会命中；请先把它加到分类关键词中。",
                )
        if when.repeat_count_gte is not None and when.repeat_count_gte <= 1:
            yield RuleWarning(code, "always_true", "“重复件数≥”不大于1时条件恒成立（本次诉求本身就算1件）。")
        if when.departments_involved_gte is not None:
            if when.departments_involved_gte <= 0:
                yield RuleWarning(code, "always_true", "“涉及部门数≥”不大于0时条件恒成立。")
            elif when.departments_involved_gte > len(department_leads):
                yield RuleWarning(
                    code,
                    "never_fires",
                    f"只有 {len(department_leads)} 个部门主办诉求分类，"
                    f"“涉及部门数≥{when.departments_involved_gte}”永远不会成立。",
                )
        yield from _check_handlers(row, config)
        level = then.escalate_to_level
        if level is not None and (level < 0 or level > config.escalation_cap):
            yield RuleWarning(
                code, "level_out_of_range", f"初始提级层级 {level} 超出 0–{config.escalation_cap} 的范围。"
            )
        try:
            fields = {normalize(k): f"kw{i}" for i, k in enumerate(when.keywords_any)}
            for expression in compile_conditions(when, fields, tops):
                validate_expression(expression, f"规则行 {code}")
        except CompileError as exc:
            yield RuleWarning(code, "compile_error", str(exc))


def _check_handlers(row: RoutingRow, config: RulesConfig) -> Iterable[RuleWarning]:
    lead = row.then.lead
    if lead is not None:
        if lead == OTHER_MENTIONED_DEPARTMENTS:
            yield RuleWarning(
                row.code, "bad_placeholder", f"主办单位不能是“{lead}”（它代表多个部门），请改用协办单位。"
            )
        elif not (lead in config.departments or lead in AREA_LEADS or lead == FIRST_MENTIONED_DEPARTMENT):
            yield RuleWarning(row.code, "unknown_lead", f"主办单位“{lead}”不存在。")
    for handler in row.then.co_handlers:
        if not (
            handler in config.departments
            or handler in AREA_LEADS
            or handler in (FIRST_MENTIONED_DEPARTMENT, OTHER_MENTIONED_DEPARTMENTS)
        ):
            yield RuleWarning(row.code, "unknown_co_handler", f"协办单位“{handler}”不存在。")


# --- rows that change nothing -------------------------------------------------------------


def _categories_cover(narrow: tuple[str, ...], wide: tuple[str, ...], config: RulesConfig) -> bool:
    wide_set = set(wide)
    for code in narrow:
        if code in wide_set:
            continue
        leaf = config.leaves.get(code)
        if leaf is not None and leaf.parent_code in wide_set:
            continue
        if code in config.top_categories:
            children = [lf.code for lf in config.categories if lf.parent_code == code]
            if children and all(c in wide_set for c in children):
                continue
        return False
    return True


def implies(narrow: RowConditions, wide: RowConditions, config: RulesConfig) -> bool:
    """True when ``wide``'s conditions hold whenever ``narrow``'s do (a conservative test)."""

    def subset(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return bool(a) and set(a) <= set(b)

    if wide.types and not subset(narrow.types, wide.types):
        return False
    if wide.categories and not (narrow.categories and _categories_cover(narrow.categories, wide.categories, config)):
        return False
    if wide.keywords_any and not subset(
        tuple(normalize(k) for k in narrow.keywords_any), tuple(normalize(k) for k in wide.keywords_any)
    ):
        return False
    if wide.subdistricts and not subset(narrow.subdistricts, wide.subdistricts):
        return False
    if wide.urgent is not None and narrow.urgent != wide.urgent:
        return False
    for name in ("repeat_count_gte", "departments_involved_gte"):
        threshold = getattr(wide, name)
        if threshold is not None:
            mine = getattr(narrow, name)
            if mine is None or mine < threshold:
                return False
    return True


def _check_shadowed(config: RulesConfig) -> Iterable[RuleWarning]:
    rows = config.routing
    position = {id(row): (row.priority, i) for i, row in enumerate(rows)}
    for row in rows:
        then = row.then
        if then.is_empty():
            continue
        others = [o for o in rows if o is not row and implies(row.when, o.when, config)]
        if not others:
            continue
        mine = position[id(row)]
        # For each effect of the row: the rows that make it redundant.
        coverage: list[list[RoutingRow]] = []
        if then.lead is not None:
            coverage.append(
                [
                    o
                    for o in others
                    if position[id(o)] > mine
                    and o.then.lead is not None
                    and (o.then.lead != FIRST_MENTIONED_DEPARTMENT or (o.when.departments_involved_gte or 0) >= 1)
                ]
            )
        if then.co_handlers:
            wanted = set(then.co_handlers)
            coverage.append([o for o in others if position[id(o)] < mine and wanted <= set(o.then.co_handlers)])
        if then.whistle:
            coverage.append([o for o in others if o.then.whistle])
        if then.urgent:
            coverage.append([o for o in others if o.then.urgent])
        level = then.escalate_to_level
        if level is not None:
            coverage.append(
                [o for o in others if o.then.escalate_to_level is not None and o.then.escalate_to_level >= level]
            )
        if coverage and all(coverage):
            names = "、".join(sorted({rows_[0].code for rows_ in coverage}))
            yield RuleWarning(
                row.code,
                "shadowed",
                f"每当该行生效时，规则行 {names} 也必然生效并已决定同样的结果，该行不会改变任何决定。",
            )


def _check_same_priority(config: RulesConfig) -> Iterable[RuleWarning]:
    by_priority: dict[int, list[RoutingRow]] = {}
    for row in config.routing:
        if row.then.lead is not None:
            by_priority.setdefault(row.priority, []).append(row)
    for priority, rows in by_priority.items():
        for i, row in enumerate(rows):
            for earlier in rows[:i]:
                if earlier.then.lead != row.then.lead:
                    yield RuleWarning(
                        row.code,
                        "same_priority_conflict",
                        f"与规则行 {earlier.code} 优先级同为 {priority} 但主办单位不同"
                        f"（{earlier.then.lead} / {row.then.lead}），"
                        "两者同时生效时结果取决于表中顺序；请调整优先级。",
                    )


# --- escalation ---------------------------------------------------------------------------


def _check_escalation(config: RulesConfig) -> Iterable[RuleWarning]:
    levels = sorted(lv.level for lv in config.escalation_levels)
    if levels != list(range(len(levels))):
        yield RuleWarning("escalation", "levels_not_contiguous", f"提级层级应从0开始连续编号，实际为 {levels}。")
    if levels and config.escalation_cap > levels[-1]:
        yield RuleWarning(
            "escalation", "cap_without_level", f"最高提级层级 {config.escalation_cap} 没有对应的层级定义。"
        )
    for trigger in config.escalation_triggers:
        if trigger.event not in ESCALATION_EVENTS:
            yield RuleWarning(trigger.code, "unknown_event", f"提级触发事件“{trigger.event}”不存在。")
        if trigger.levels_up < 1:
            yield RuleWarning(trigger.code, "no_effect", "提升层级数小于1，该触发条件不起作用。")
