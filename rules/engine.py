"""The only module that talks to durable_rules.

A configuration's routing rows are compiled to one named ruleset (JSON form, one rule per
row) and its escalation triggers to another. A decision asserts one flat *fact* per
evaluation, so every matching row fires; the actions only record which rules fired, and the
session is deleted straight away. Python code outside this module decides what the fired
rows mean (``rules.decision``), so the engine can be replaced without touching that logic.

Measured engine traps this module avoids (see ``notes/durable_rules.md``): unknown operators
are accepted silently (compiled conditions are validated against an allow-list); a ruleset
name cannot be registered twice (names carry a nonce); at most 1024 live sessions (each
decision deletes its own); a fact no rule matches raises and deleting that session aborts the
process (a catch-all rule matches every fact); timers and background dispatch are not used
(the host's polling threads are never started, so actions run in the posting thread).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from rules.matching import normalize
from rules.snapshot import RowConditions, RulesConfig

logger = logging.getLogger(__name__)

ALLOWED_OPERATORS = frozenset({"$and", "$or", "$gte", "$lte", "$gt", "$lt", "$neq", "$ex", "$nex"})
PHASE = "phase"
SENTINEL_RULE = "seen"

ESCALATION_EVENTS: Mapping[str, dict[str, Any]] = {
    "ack_overdue": {"ack_overdue": True},
    "complete_overdue": {"complete_overdue": True},
    "overdue_each_further_working_day": {"$gte": {"overdue_working_days": 1}},
}


class EngineError(RuntimeError):
    """The rules engine could not produce a trustworthy answer; callers fall back to manual dispatch."""


class CompileError(EngineError):
    """A rule could not be expressed as a valid durable_rules condition."""


@dataclass(frozen=True)
class CompiledRuleset:
    """A ruleset definition plus what its rule ids stand for."""

    name: str
    definition: Mapping[str, Any]
    rule_targets: Mapping[str, int]  # rule id -> index of the row (or trigger) in the config
    keyword_fields: Mapping[str, str]  # normalised keyword -> fact field


# --- compilation (pure) -------------------------------------------------------------------


def _one_of(field: str, values: Sequence[Any]) -> dict[str, Any]:
    """durable_rules has no ``in``: membership is an ``$or`` of equalities."""
    if len(values) == 1:
        return {field: values[0]}
    return {"$or": [{field: value} for value in values]}


def compile_conditions(
    when: RowConditions, keyword_fields: Mapping[str, str], top_categories: frozenset[str]
) -> dict[str, Any]:
    """The ``m`` expression of one row; a row without conditions matches every fact."""
    parts: list[dict[str, Any]] = []
    if when.types:
        parts.append(_one_of("type", list(when.types)))
    if when.categories:
        options = [{"top_category": code} if code in top_categories else {"category": code} for code in when.categories]
        parts.append(options[0] if len(options) == 1 else {"$or": options})
    if when.keywords_any:
        fields = list(dict.fromkeys(keyword_fields[normalize(k)] for k in when.keywords_any))
        parts.append(_one_of_true(fields))
    if when.subdistricts:
        parts.append(_one_of("subdistrict", list(when.subdistricts)))
    if when.urgent is not None:
        parts.append({"urgent": bool(when.urgent)})
    if when.repeat_count_gte is not None:
        parts.append({"$gte": {"repeat_count": int(when.repeat_count_gte)}})
    if when.departments_involved_gte is not None:
        parts.append({"$gte": {"departments_involved": int(when.departments_involved_gte)}})
    if not parts:
        return {"$ex": {PHASE: 1}}
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _one_of_true(fields: Sequence[str]) -> dict[str, Any]:
    if len(fields) == 1:
        return {fields[0]: True}
    return {"$or": [{field: True} for field in fields]}


def validate_expression(node: Any, where: str) -> None:
    """Reject anything durable_rules would accept silently and never match."""
    if not isinstance(node, Mapping) or len(node) != 1:
        raise CompileError(f"{where}：条件必须是只有一个键的对象，实际为 {node!r}")
    ((key, value),) = node.items()
    if key.startswith("$"):
        if key not in ALLOWED_OPERATORS:
            raise CompileError(f"{where}：不支持的运算符 {key}")
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise CompileError(f"{where}：{key} 需要非空列表")
            for child in value:
                validate_expression(child, where)
        elif not isinstance(value, Mapping) or len(value) != 1:
            raise CompileError(f"{where}：{key} 需要一个字段")
        elif not _is_scalar(next(iter(value.values()))):
            raise CompileError(f"{where}：{key} 的比较值必须是标量")
    elif key in ("id", "sid"):
        raise CompileError(f"{where}：字段名 {key} 为引擎保留字")
    elif not _is_scalar(value):
        raise CompileError(f"{where}：字段 {key} 的比较值必须是标量")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def compile_routing(config: RulesConfig, name: str) -> CompiledRuleset:
    """One durable_rules rule per routing row, plus a catch-all rule every fact matches."""
    keyword_fields: dict[str, str] = {}
    for row in config.routing:
        for keyword in row.when.keywords_any:
            form = normalize(keyword)
            if form not in keyword_fields:
                keyword_fields[form] = f"kw{len(keyword_fields)}"
    tops = frozenset(config.top_categories)
    rules: dict[str, Any] = {}
    targets: dict[str, int] = {}
    for index, row in enumerate(config.routing):
        rule_id = f"r{index}"
        expression = compile_conditions(row.when, keyword_fields, tops)
        validate_expression(expression, f"规则行 {row.code}")
        rules[rule_id] = {"all": [{"m": expression}], "pri": int(row.priority), "run": rule_id}
        targets[rule_id] = index
    rules[SENTINEL_RULE] = {"all": [{"m": {"$ex": {PHASE: 1}}}], "run": SENTINEL_RULE}
    return CompiledRuleset(name, rules, targets, keyword_fields)


def compile_escalation(config: RulesConfig, name: str) -> CompiledRuleset:
    """One rule per escalation trigger; the trigger's event names the fact it tests."""
    rules: dict[str, Any] = {}
    targets: dict[str, int] = {}
    for index, trigger in enumerate(config.escalation_triggers):
        expression = ESCALATION_EVENTS.get(trigger.event)
        if expression is None:
            raise CompileError(f"提级触发条件 {trigger.code}：未知事件 {trigger.event}")
        validate_expression(expression, f"提级触发条件 {trigger.code}")
        rule_id = f"t{index}"
        rules[rule_id] = {"all": [{"m": expression}], "run": rule_id}
        targets[rule_id] = index
    rules[SENTINEL_RULE] = {"all": [{"m": {"$ex": {PHASE: 1}}}], "run": SENTINEL_RULE}
    return CompiledRuleset(name, rules, targets, {})


def routing_fact(features: Mapping[str, Any], compiled: CompiledRuleset, urgent: bool) -> dict[str, Any]:
    """The flat fact for one evaluation: absent values are left out, so equality tests on them fail."""
    fact: dict[str, Any] = {
        "urgent": bool(urgent),
        "repeat_count": int(features.get("repeat_count") or 0),
        "departments_involved": int(features.get("departments_involved") or 0),
    }
    for key in ("type", "category", "top_category", "subdistrict"):
        value = features.get(key)
        if value is not None:
            fact[key] = value
    fields = compiled.keyword_fields
    if fields:
        for keyword in features.get("hit_keywords", ()):
            field = fields.get(normalize(keyword))
            if field is not None:
                fact[field] = True
    return fact


# --- the host -----------------------------------------------------------------------------


class _Host(durable_engine.Host):
    """A host whose actions only report "rule X fired for session S, fact P"."""

    def __init__(self, report: Any) -> None:
        self._report = report
        super().__init__()

    def _run(self) -> None:
        # The stock host polls every ruleset from two timer threads (queued actions and
        # timers). We use neither: actions run synchronously inside assert_fact, and running
        # them from another thread is what makes results arrive late or on the wrong thread.
        return

    def get_action(self, action_name: str) -> Any:
        report = self._report

        def action(c: Any) -> None:
            report(c.s.sid, c.m[PHASE], action_name)

        return action


class RulesEngine:
    """Compiles, caches and runs rulesets; safe to share between threads.

    Compiled rulesets are cached per configuration (version and content) and the least
    recently used ones beyond ``max_rulesets`` are deleted from the engine, which frees
    their memory.
    """

    def __init__(self, max_rulesets: int = 8) -> None:
        self._lock = threading.RLock()
        self._host = _Host(self._report)
        self._cache: OrderedDict[Hashable, CompiledRuleset] = OrderedDict()
        self._max = max(2, max_rulesets)
        self._nonce = itertools.count(1)
        self._sids = itertools.count(1)
        self._fired: dict[str, list[tuple[str, str]]] = {}
        self._live: set[str] = set()

    # -- public --

    def fire_routing(
        self, config: RulesConfig, features: Mapping[str, Any], urgencies: Sequence[bool]
    ) -> list[frozenset[int]]:
        """For each urgency value, the indexes (in ``config.routing``) of the rows whose conditions hold."""
        with self._lock:
            compiled = self._ruleset(
                ("routing", config.version, config.routing, frozenset(config.top_categories)),
                f"routing_v{config.version}",
                lambda name: compile_routing(config, name),
            )
            facts = [routing_fact(features, compiled, urgent) for urgent in urgencies]
            return self._run(compiled, facts)

    def fire_escalation(self, config: RulesConfig, fact: Mapping[str, Any]) -> frozenset[int]:
        """Indexes (in ``config.escalation_triggers``) of the triggers that hold for ``fact``."""
        with self._lock:
            compiled = self._ruleset(
                ("escalation", config.version, config.escalation_triggers),
                f"escalation_v{config.version}",
                lambda name: compile_escalation(config, name),
            )
            return self._run(compiled, [dict(fact)])[0]

    @property
    def live_sessions(self) -> int:
        return len(self._live)

    def registered_rulesets(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(c.name for c in self._cache.values())

    def clear(self) -> None:
        """Delete every ruleset this engine registered (e.g. after publishing many versions)."""
        with self._lock:
            while self._cache:
                _, compiled = self._cache.popitem(last=False)
                self._unregister(compiled.name)

    # -- internals --

    def _report(self, sid: str, phase: str, rule_id: str) -> None:
        self._fired.setdefault(sid, []).append((phase, rule_id))

    def _ruleset(self, key: Hashable, prefix: str, build: Any) -> CompiledRuleset:
        compiled = self._cache.get(key)
        if compiled is not None:
            self._cache.move_to_end(key)
            return compiled
        compiled = build(f"{prefix}_{next(self._nonce)}")
        self._host.set_rulesets({compiled.name: _deep_copy(compiled.definition)})
        self._cache[key] = compiled
        while len(self._cache) > self._max:
            _, old = self._cache.popitem(last=False)
            self._unregister(old.name)
        return compiled

    def _unregister(self, name: str) -> None:
        ruleset = self._host._ruleset_directory.pop(name, None)
        if ruleset is None:
            return
        self._host._ruleset_list.remove(ruleset)
        durable_rules_engine.delete_ruleset(ruleset._handle)

    def _run(self, compiled: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[frozenset[int]]:
        sid = f"s{next(self._sids)}"
        self._live.add(sid)
        deletable = True
        try:
            for phase, fact in enumerate(facts):
                message = {**fact, PHASE: str(phase), "sid": sid}
                try:
                    self._host.assert_fact(compiled.name, message)
                except durable_engine.MessageNotHandledException as exc:
                    # Cannot happen with the catch-all rule; deleting such a session aborts the process.
                    deletable = False
                    raise EngineError(f"规则集 {compiled.name} 未处理事实") from exc
            fired = self._fired.get(sid, [])
        finally:
            self._fired.pop(sid, None)
            if deletable:
                try:
                    self._host.delete_state(compiled.name, sid)
                finally:
                    self._live.discard(sid)
        results: list[set[int]] = [set() for _ in facts]
        seen: set[str] = set()
        for phase, rule_id in fired:
            if rule_id == SENTINEL_RULE:
                seen.add(phase)
                continue
            results[int(phase)].add(compiled.rule_targets[rule_id])
        missing = {str(i) for i in range(len(facts))} - seen
        if missing:
            raise EngineError(f"规则集 {compiled.name} 的兜底规则未触发（事实 {sorted(missing)}），结果不可信")
        return [frozenset(r) for r in results]


def _deep_copy(definition: Mapping[str, Any]) -> dict[str, Any]:
    """durable_rules mutates the definition it is given (it pops ``run``); keep ours intact."""
    return {rule_id: dict(rule) for rule_id, rule in definition.items()}


_default: RulesEngine | None = None
_default_lock = threading.Lock()


def default_engine() -> RulesEngine:
    """The process-wide engine, so that each ruleset version is compiled and registered once."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = RulesEngine()
    return _default
