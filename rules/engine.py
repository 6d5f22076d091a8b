"""The only module that talks to durable_rules.

A configuration's routing rows are compiled to named rulesets in durable_rules' JSON form and
its escalation triggers to another; a decision asserts one flat *fact* per evaluation, so every
matching rule fires, collects which rules fired and retracts the fact at once. Python code
outside this module decides what the fired rows mean (``rules.decision``), so the engine can be
replaced without touching that logic.

How the engine's measured limits shape this module (see ``notes/durable_rules.md`` and
``BENCHMARKS.md``):

- Unknown operators are accepted silently and never match: every compiled expression is
  checked against an allow-list.
- ``$or`` is compiled by durable_rules into a shared "forward" node that is pushed, for every
  row using the same alternative, onto a 64-entry stack each time a fact passes; from a few
  hundred rows on, every assertion fails (error 303) and touching that session afterwards
  aborts the process. Rows are therefore expanded into their disjunctive normal form here:
  membership in a list becomes one conjunction of equalities per listed value, identical
  conjunctions of different rows share one durable rule, and no ``$or`` reaches the engine.
  durable_rules still decides every condition; Python only enumerates the alternatives.
- A ruleset holds at most 4,096 rules and a node at most 512 children; large tables are split
  into several rulesets (chunks) well inside those limits.
- Creating a session costs time and memory per rule (about 8 ms per decision at 3,500 rules),
  and at most 1,024 sessions may live per ruleset. Each ruleset therefore keeps one work
  session; a decision asserts its facts there and retracts them right after.
- Actions are pure bookkeeping ("rule X fired"); running them through the host's closure
  machinery costs ~40 µs each, so the queued actions are drained with the same C calls the
  host uses (``start_action_for_state``/``complete_and_start_action``), in the posting thread.
  The host's polling threads are never started and no timers are used.
- A fact no rule matches raises and leaves a session that aborts the process when deleted: a
  catch-all rule matches every fact. After any engine error the work session is abandoned
  untouched, and a ruleset that collects too many abandoned sessions is retired.
"""

from __future__ import annotations

import itertools
import json
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

ALLOWED_OPERATORS = frozenset({"$and", "$gte", "$lte", "$gt", "$lt", "$neq", "$ex", "$nex"})
PHASE = "phase"
SENTINEL_RULE = "seen"
MAX_ALTERNATIVES_PER_ROW = 2048  # conjunctions one row may expand to
MAX_RULES_PER_RULESET = 1500  # durable_rules stops at 4,096
MAX_CHILDREN_PER_NODE = 400  # durable_rules stops at 512 per node
MAX_FACT_FIELDS = 200  # durable_rules stops at 255 properties per message
MAX_ABANDONED_SESSIONS = 32

ESCALATION_EVENTS: Mapping[str, dict[str, Any]] = {
    "ack_overdue": {"ack_overdue": True},
    "complete_overdue": {"complete_overdue": True},
    "overdue_each_further_working_day": {"$gte": {"overdue_working_days": 1}},
}

_ASSERT_OK = 0  # the C binding's result codes: 1 not handled, 2 observed, 3 deferred


class EngineError(RuntimeError):
    """The rules engine could not produce a trustworthy answer; callers fall back to manual dispatch."""


class CompileError(EngineError):
    """A rule could not be expressed as a valid durable_rules condition."""


@dataclass(frozen=True)
class CompiledRuleset:
    """One durable_rules ruleset definition plus what its rule ids stand for."""

    name: str
    definition: Mapping[str, Any]
    rule_targets: Mapping[str, tuple[int, ...]]  # rule id -> indexes of rows (or triggers)
    tests_urgency: bool = False  # holds the rows whose conditions read the urgency decided so far


@dataclass(frozen=True)
class CompiledTable:
    """A whole table: one or more rulesets and the fact fields its keyword conditions test."""

    rulesets: tuple[CompiledRuleset, ...]
    keyword_fields: Mapping[str, str]  # normalised keyword -> fact field


# --- compilation (pure) -------------------------------------------------------------------


def condition_alternatives(
    when: RowConditions, keyword_fields: Mapping[str, str], top_categories: frozenset[str]
) -> list[list[dict[str, Any]]]:
    """Per condition, the single tests of which one must hold, in a fixed field order.

    The order puts fields with at most one matching value first and keyword fields (several
    of which may match one text) last, which keeps durable_rules' shared network narrow.
    """
    groups: list[list[dict[str, Any]]] = []
    if when.types:
        groups.append([{"type": t} for t in dict.fromkeys(when.types)])
    if when.categories:
        groups.append(
            [{"top_category": c} if c in top_categories else {"category": c} for c in dict.fromkeys(when.categories)]
        )
    if when.subdistricts:
        groups.append([{"subdistrict": s} for s in dict.fromkeys(when.subdistricts)])
    if when.urgent is not None:
        groups.append([{"urgent": bool(when.urgent)}])
    if when.departments_involved_gte is not None:
        groups.append([{"$gte": {"departments_involved": int(when.departments_involved_gte)}}])
    if when.repeat_count_gte is not None:
        groups.append([{"$gte": {"repeat_count": int(when.repeat_count_gte)}}])
    if when.confidence_gte is not None:
        groups.append([{"$gte": {"category_confidence": float(when.confidence_gte)}}])
    if when.urgent_signal is not None:
        groups.append([{"urgent_signal": bool(when.urgent_signal)}])
    if when.secondary_present is not None:
        groups.append([{"secondary_present": bool(when.secondary_present)}])
    if when.keywords_any:
        fields = dict.fromkeys(keyword_fields[normalize(k)] for k in when.keywords_any)
        groups.append([{field: True} for field in fields])
    return groups


def compile_conditions(
    when: RowConditions, keyword_fields: Mapping[str, str], top_categories: frozenset[str]
) -> list[dict[str, Any]]:
    """The ``m`` expressions of one row, one per conjunction; a row without conditions matches every fact."""
    groups = condition_alternatives(when, keyword_fields, top_categories)
    count = 1
    for group in groups:
        count *= len(group)
    if count > MAX_ALTERNATIVES_PER_ROW:
        raise CompileError(f"条件组合数 {count} 超过上限 {MAX_ALTERNATIVES_PER_ROW}，请把该行拆成几行")
    return [_conjunction(combo) for combo in itertools.product(*groups)]


def _conjunction(tests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not tests:
        return {"$ex": {PHASE: 1}}
    if len(tests) == 1:
        return tests[0]
    return {"$and": list(tests)}


def validate_expression(node: Any, where: str) -> None:
    """Reject anything durable_rules would accept silently and never match (or choke on)."""
    if not isinstance(node, Mapping) or len(node) != 1:
        raise CompileError(f"{where}：条件必须是只有一个键的对象，实际为 {node!r}")
    ((key, value),) = node.items()
    if key.startswith("$"):
        if key not in ALLOWED_OPERATORS:
            raise CompileError(f"{where}：不支持的运算符 {key}")
        if key == "$and":
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


def _tests_of(expression: Mapping[str, Any]) -> list[str]:
    tests = expression["$and"] if "$and" in expression else [expression]
    return [json.dumps(t, sort_keys=True, ensure_ascii=False) for t in tests]


class _Chunker:
    """Groups conjunctions into rulesets that stay well inside durable_rules' structural limits."""

    def __init__(self) -> None:
        self.chunks: list[dict[tuple[str, ...], tuple[dict[str, Any], list[int]]]] = [{}]
        self._children: dict[tuple[str, ...], set[str]] = {}

    def add_row(self, index: int, expressions: Sequence[dict[str, Any]]) -> None:
        keyed = [(tuple(_tests_of(e)), e) for e in expressions]
        new_rules = sum(1 for key, _ in keyed if key not in self.chunks[-1])
        if self.chunks[-1] and (len(self.chunks[-1]) + new_rules > MAX_RULES_PER_RULESET or self._too_wide(keyed)):
            self.chunks.append({})
            self._children = {}
        chunk = self.chunks[-1]
        for key, expression in keyed:
            entry = chunk.setdefault(key, (expression, []))
            if index not in entry[1]:
                entry[1].append(index)
            for depth in range(len(key)):
                self._children.setdefault(key[:depth], set()).add(key[depth])

    def _too_wide(self, keyed: Sequence[tuple[tuple[str, ...], Any]]) -> bool:
        added: dict[tuple[str, ...], set[str]] = {}
        for key, _ in keyed:
            for depth in range(len(key)):
                added.setdefault(key[:depth], set()).add(key[depth])
        return any(
            len(self._children.get(prefix, set()) | children) > MAX_CHILDREN_PER_NODE
            for prefix, children in added.items()
        )


def _assemble(
    name: str,
    chunks: Sequence[Mapping[tuple[str, ...], tuple[dict[str, Any], list[int]]]],
    tests_urgency: bool = False,
) -> tuple[CompiledRuleset, ...]:
    rulesets = []
    for number, chunk in enumerate(chunks):
        if not chunk and number:
            continue
        rules: dict[str, Any] = {}
        targets: dict[str, tuple[int, ...]] = {}
        for i, (expression, rows) in enumerate(chunk.values()):
            rule_id = f"c{i}"
            rules[rule_id] = {"all": [{"m": expression}], "run": rule_id}
            targets[rule_id] = tuple(rows)
        rules[SENTINEL_RULE] = {"all": [{"m": {"$ex": {PHASE: 1}}}], "run": SENTINEL_RULE}
        suffix = f"_{number}" if len(chunks) > 1 else ""
        rulesets.append(CompiledRuleset(f"{name}{suffix}", rules, targets, tests_urgency))
    return tuple(rulesets)


def compile_routing(config: RulesConfig, name: str) -> CompiledTable:
    """The routing rows as rulesets: one durable rule per distinct conjunction, plus a catch-all."""
    keyword_fields: dict[str, str] = {}
    for row in config.routing:
        for keyword in row.when.keywords_any:
            form = normalize(keyword)
            if form not in keyword_fields:
                keyword_fields[form] = f"kw{len(keyword_fields)}"
    tops = frozenset(config.top_categories)
    # Rows that test urgency go to rulesets of their own: when a row turns urgency on, only
    # those need a second fact (see ``rules.decision.route``).
    plain, urgency = _Chunker(), _Chunker()
    for index, row in enumerate(config.routing):
        where = f"规则行 {row.code}"
        try:
            expressions = compile_conditions(row.when, keyword_fields, tops)
        except CompileError as exc:
            raise CompileError(f"{where}：{exc}") from exc
        for expression in expressions:
            validate_expression(expression, where)
        (urgency if row.when.urgent is not None else plain).add_row(index, expressions)
    rulesets = _assemble(name, plain.chunks)
    if urgency.chunks[0]:
        rulesets += _assemble(f"{name}_u", urgency.chunks, tests_urgency=True)
    return CompiledTable(rulesets, keyword_fields)


def compile_escalation(config: RulesConfig, name: str) -> CompiledTable:
    """One rule per escalation trigger; the trigger's event names the fact it tests."""
    chunker = _Chunker()
    for index, trigger in enumerate(config.escalation_triggers):
        expression = ESCALATION_EVENTS.get(trigger.event)
        if expression is None:
            raise CompileError(f"提级触发条件 {trigger.code}：未知事件 {trigger.event}")
        validate_expression(expression, f"提级触发条件 {trigger.code}")
        chunker.add_row(index, [expression])
    return CompiledTable(_assemble(name, chunker.chunks), {})


def routing_fact(features: Mapping[str, Any], table: CompiledTable, urgent: bool) -> dict[str, Any]:
    """The flat fact for one evaluation: absent values are left out, so equality tests on them fail."""
    fact: dict[str, Any] = {
        "urgent": bool(urgent),
        "repeat_count": int(features.get("repeat_count") or 0),
        "departments_involved": int(features.get("departments_involved") or 0),
        "category_confidence": float(features.get("category_confidence") or 0.0),
        "urgent_signal": bool(features.get("urgent_signal")),
        "secondary_present": bool(features.get("secondary_categories")),
    }
    for key in ("type", "category", "top_category", "subdistrict"):
        value = features.get(key)
        if value is not None:
            fact[key] = value
    fields = table.keyword_fields
    if fields:
        for keyword in features.get("fact_keywords", features.get("hit_keywords", ())):
            field = fields.get(normalize(keyword))
            if field is not None:
                fact[field] = True
    if len(fact) > MAX_FACT_FIELDS:
        raise EngineError(f"命中的关键词过多（{len(fact)} 个字段），超出规则引擎单条事实的上限")
    return fact


# --- the host -----------------------------------------------------------------------------


class _Host(durable_engine.Host):
    """Registers rulesets; never runs anything on its own."""

    def _run(self) -> None:
        # The stock host polls every ruleset from two timer threads (queued actions and timers).
        # We use neither: actions are drained synchronously right after each assertion.
        return

    def get_action(self, action_name: str) -> Any:
        def action(c: Any) -> None:  # never called: see RulesEngine._drain
            return None

        return action


@dataclass
class _Registered:
    """A registered ruleset and its work session."""

    compiled: CompiledRuleset
    handle: int
    sid: str
    abandoned: int = 0


class RulesEngine:
    """Compiles, caches and runs rulesets; safe to share between threads.

    Compiled tables are cached per configuration (version and content); the least recently used
    ones beyond ``max_tables`` are deleted from the engine, which frees their memory.
    """

    def __init__(self, max_tables: int = 8) -> None:
        self._lock = threading.RLock()
        self._host = _Host()
        self._cache: OrderedDict[Hashable, tuple[CompiledTable, list[_Registered]]] = OrderedDict()
        self._max = max(2, max_tables)
        self._nonce = itertools.count(1)
        self._facts = itertools.count(1)
        self._sessions = itertools.count(1)

    # -- public --

    def fire_routing(
        self,
        config: RulesConfig,
        features: Mapping[str, Any],
        urgencies: Sequence[bool],
        *,
        urgency_rows_only: bool = False,
    ) -> list[frozenset[int]]:
        """For each urgency value, the indexes (in ``config.routing``) of the rows whose conditions hold.

        With ``urgency_rows_only`` only rows that test urgency are evaluated.
        """
        with self._lock:
            table, registered = self._table(
                ("routing", config.version, config.routing_fingerprint),
                lambda: compile_routing(config, f"routing_v{config.version}_{next(self._nonce)}"),
            )
            if urgency_rows_only:
                registered = [reg for reg in registered if reg.compiled.tests_urgency]
            facts = [routing_fact(features, table, urgent) for urgent in urgencies]
            return self._run(registered, facts)

    def fire_escalation(self, config: RulesConfig, fact: Mapping[str, Any]) -> frozenset[int]:
        """Indexes (in ``config.escalation_triggers``) of the triggers that hold for ``fact``."""
        with self._lock:
            _, registered = self._table(
                ("escalation", config.version, config.escalation_fingerprint),
                lambda: compile_escalation(config, f"escalation_v{config.version}_{next(self._nonce)}"),
            )
            return self._run(registered, [dict(fact)])[0]

    def registered_rulesets(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(r.compiled.name for _, regs in self._cache.values() for r in regs)

    def live_facts(self) -> int:
        """Facts still held by the work sessions (0 unless something went wrong)."""
        with self._lock:
            total = 0
            for _, regs in self._cache.values():
                for reg in regs:
                    try:
                        total += len(json.loads(durable_rules_engine.get_facts(reg.handle, reg.sid)))
                    except durable_rules_engine.error:
                        continue  # the session was never used
            return total

    def clear(self) -> None:
        """Delete every ruleset this engine registered (e.g. after publishing many versions)."""
        with self._lock:
            while self._cache:
                _, (_, regs) = self._cache.popitem(last=False)
                for reg in regs:
                    self._unregister(reg, free=True)

    # -- internals --

    def _table(self, key: Hashable, build: Any) -> tuple[CompiledTable, list[_Registered]]:
        cached = self._cache.get(key)
        if cached is not None and all(reg.abandoned < MAX_ABANDONED_SESSIONS for reg in cached[1]):
            self._cache.move_to_end(key)
            return cached
        if cached is not None:
            # Too many failed assertions: start over with a fresh registration, keep the old one
            # untouched (its abandoned sessions must not be deleted).
            logger.error("规则集多次出错，重新编译：%s", [r.compiled.name for r in cached[1]])
            del self._cache[key]
            for reg in cached[1]:
                self._unregister(reg, free=False)
        table = build()
        registered: list[_Registered] = []
        try:
            for compiled in table.rulesets:
                self._host.set_rulesets({compiled.name: _copy(compiled.definition)})
                ruleset = self._host.get_ruleset(compiled.name)
                registered.append(_Registered(compiled, ruleset._handle, self._new_sid()))
        except Exception as exc:
            for reg in registered:
                self._unregister(reg, free=True)
            raise CompileError(f"规则集注册失败：{exc}") from exc
        self._cache[key] = (table, registered)
        while len(self._cache) > self._max:
            _, (_, old) = self._cache.popitem(last=False)
            for reg in old:
                self._unregister(reg, free=reg.abandoned == 0)
        return table, registered

    def _new_sid(self) -> str:
        return f"w{next(self._sessions)}"

    def _unregister(self, reg: _Registered, *, free: bool) -> None:
        ruleset = self._host._ruleset_directory.pop(reg.compiled.name, None)
        if ruleset is None:
            return
        self._host._ruleset_list.remove(ruleset)
        if free:
            durable_rules_engine.delete_ruleset(reg.handle)

    def _run(self, registered: Sequence[_Registered], facts: Sequence[dict[str, Any]]) -> list[frozenset[int]]:
        results: list[set[int]] = [set() for _ in facts]
        # Serialise each fact once; only the phase and the session differ between rulesets.
        bodies = [json.dumps(fact, ensure_ascii=False)[:-1] for fact in facts]
        for reg in registered:
            for number, rule_ids in enumerate(self._assert_all(reg, bodies)):
                targets = reg.compiled.rule_targets
                for rule_id in rule_ids:
                    results[number].update(targets[rule_id])
        return [frozenset(r) for r in results]

    def _assert_all(self, reg: _Registered, bodies: Sequence[str]) -> list[list[str]]:
        """Assert each fact in the work session, drain its actions, then retract it."""
        fired: list[list[str]] = []
        handle = reg.handle
        try:
            for body in bodies:
                separator = ", " if body != "{" else ""
                message = f'{body}{separator}"{PHASE}": "{next(self._facts)}", "sid": "{reg.sid}"}}'
                code, state_offset = durable_rules_engine.assert_fact(handle, message)
                if code != _ASSERT_OK:
                    raise EngineError(f"规则集 {reg.compiled.name} 未正常接收事实（代码 {code}）")
                rule_ids = self._drain(handle, state_offset)
                code, _ = durable_rules_engine.retract_fact(handle, message)
                if code != _ASSERT_OK:
                    raise EngineError(f"规则集 {reg.compiled.name} 未能撤回事实（代码 {code}）")
                if SENTINEL_RULE not in rule_ids:
                    raise EngineError(f"规则集 {reg.compiled.name} 的兜底规则未触发，结果不可信")
                fired.append([r for r in rule_ids if r != SENTINEL_RULE])
        except Exception as exc:
            # Touching a session after a failed assertion can abort the process: leave it as it
            # is and continue in a new one.
            reg.abandoned += 1
            abandoned, reg.sid = reg.sid, self._new_sid()
            logger.error("规则引擎出错，放弃会话 %s（%s）：%s", abandoned, reg.compiled.name, exc)
            if isinstance(exc, EngineError):
                raise
            raise EngineError(f"规则集 {reg.compiled.name} 出错：{exc}") from exc
        return fired

    @staticmethod
    def _drain(handle: int, state_offset: int) -> list[str]:
        """Names of the rules whose actions the assertion queued, completing each at once.

        Each queued action arrives as ``{"<rule id>": {...the fact...}}``; our rule ids are plain
        ASCII, so the name is read without decoding the whole fact again.
        """
        result = durable_rules_engine.start_action_for_state(handle, state_offset)
        if not result:
            return []
        names: list[str] = []
        pending = result[1]
        while pending:
            names.append(pending[2 : pending.index('"', 2)])
            pending = durable_rules_engine.complete_and_start_action(handle, state_offset)
        return names


def _copy(definition: Mapping[str, Any]) -> dict[str, Any]:
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
