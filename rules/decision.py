"""``decide``: one request in, one immutable ``Decision`` out, never an exception.

Default routing comes from the first matched category leaf; the routing rows whose conditions
hold (durable_rules decides which) are then applied in priority order and merged exactly as
``rules.json`` ``semantics.merge`` states. Any failure turns into a decision that asks for
manual dispatch, carrying whatever could still be determined.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rules.deadlines import compute_deadlines
from rules.engine import RulesEngine, default_engine
from rules.features import extract_features
from rules.snapshot import FIRST_MENTIONED_DEPARTMENT, OTHER_MENTIONED_DEPARTMENTS, RoutingRow, RulesConfig

logger = logging.getLogger(__name__)

REASON_NO_CATEGORY = "未能识别诉求分类"
REASON_NO_GRID = "未能定位所属网格（地址未登记且没有可用坐标）"
REASON_NO_LEAD = "未能确定主办单位"

# The keys of ``routing_dev.jsonl``'s ``expect``, in that order, then what ``route_preview`` adds.
EXPECT_KEYS = (
    "category",
    "grid",
    "lead",
    "co_handlers",
    "whistle",
    "urgent",
    "feedback_due",
    "complete_due",
    "ack_due",
    "escalation_level",
)
PREVIEW_KEYS = (
    *EXPECT_KEYS,
    "fired_rules",
    "ruleset_version",
    "category_confidence",
    "suggestions",
    "urgent_cues",
    "model_version",
    "category_evidence",
)


@dataclass(frozen=True)
class Decision:
    """Everything that was decided for one request, and why."""

    category: str | None
    category_name: str | None
    top_category: str | None
    grid: str | None
    community: str | None
    subdistrict: str | None
    lead: str | None
    co_handlers: tuple[str, ...]
    whistle: bool
    urgent: bool
    ack_due: datetime | None
    feedback_due: datetime | None
    complete_due: datetime | None
    escalation_level: int
    fired_rules: tuple[str, ...]
    ruleset_version: int
    calendar_estimated: bool = False
    calendar_version: int = 0
    needs_manual_dispatch: bool = False
    reason: str = ""
    matched_keywords: tuple[str, ...] = ()
    urgent_keywords: tuple[str, ...] = ()
    departments_mentioned: tuple[str, ...] = ()
    repeat_count: int = 1
    location_source: str | None = None
    category_confidence: float = 0.0
    category_source: str = "none"  # "keyword", "classifier" or "none"
    suggestions: tuple[str, ...] = ()
    category_evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    secondary_categories: tuple[str, ...] = ()
    urgent_probability: float = 0.0
    urgent_cues: tuple[str, ...] = ()
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``route_preview`` line: the eval file's ``expect`` keys plus fired rules and version."""
        record = self.as_record()
        return {key: record[key] for key in PREVIEW_KEYS}

    def as_record(self) -> dict[str, Any]:
        """Every field, JSON-safe (datetimes as ISO 8601 with offset, tuples as lists)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            out[key] = value
        return out


@dataclass
class _Routing:
    """The mutable working state while rows are merged; frozen into the Decision at the end."""

    lead: str | None
    co_handlers: list[str] = field(default_factory=list)
    whistle: bool = False
    urgent: bool = False
    escalation_level: int = 0
    fired: list[str] = field(default_factory=list)


def _resolve_lead(value: str | None, departments: Sequence[str]) -> str | None:
    if value == FIRST_MENTIONED_DEPARTMENT:
        return departments[0] if departments else None
    return value


def _resolve_co_handlers(values: Sequence[str], departments: Sequence[str]) -> list[str]:
    resolved: list[str] = []
    for value in values:
        if value == OTHER_MENTIONED_DEPARTMENTS:
            resolved.extend(departments[1:])
        elif value == FIRST_MENTIONED_DEPARTMENT:
            resolved.extend(departments[:1])
        else:
            resolved.append(value)
    return resolved


def _apply(row: RoutingRow, state: _Routing, departments: Sequence[str]) -> None:
    then = row.then
    lead = _resolve_lead(then.lead, departments)
    if lead is not None:
        state.lead = lead
    for handler in _resolve_co_handlers(then.co_handlers, departments):
        if handler not in state.co_handlers:
            state.co_handlers.append(handler)
    state.whistle = state.whistle or bool(then.whistle)
    state.urgent = state.urgent or bool(then.urgent)
    if then.escalate_to_level is not None:
        state.escalation_level = max(state.escalation_level, int(then.escalate_to_level))
    state.fired.append(row.code)


def route(features: Mapping[str, Any], config: RulesConfig, engine: RulesEngine) -> _Routing:
    """Default routing from the category, then the fired rows merged in priority order.

    ``when.urgent`` compares with the urgency decided *so far*, and a row may set urgency.
    Urgency only ever turns from false to true, so it is settled exactly like this: one fact
    carries the urgency known before any row (from urgent keywords); rows fired for it are
    applied in order until one of them turns urgency on. Only then, and only for the rows that
    test urgency, a second fact with urgency true is asserted; the rows after that point are the
    first fact's rows that do not test urgency plus the second fact's rows.
    """
    leaf = config.leaves.get(features["category"]) if features.get("category") else None
    initial_urgent = bool(features.get("urgent_by_keyword") or features.get("urgent_signal"))
    state = _Routing(lead=leaf.default_lead if leaf else None, urgent=initial_urgent)
    rows = config.routing
    if not rows:
        return state
    departments = features.get("departments", ())
    position = config.application_order
    (fired,) = engine.fire_routing(config, features, (initial_urgent,))
    switched_at: int | None = None
    for index in sorted(fired, key=position.__getitem__):
        _apply(rows[index], state, departments)
        if state.urgent and not initial_urgent:
            switched_at = position[index]
            break
    if switched_at is not None:
        if config.tests_urgency:
            (urgent_rows,) = engine.fire_routing(config, features, (True,), urgency_rows_only=True)
            fired = frozenset(i for i in fired if rows[i].when.urgent is None) | urgent_rows
        later = (i for i in fired if position[i] > switched_at)
        for index in sorted(later, key=position.__getitem__):
            _apply(rows[index], state, departments)
    state.escalation_level = min(state.escalation_level, config.escalation_cap)
    state.co_handlers = [h for h in state.co_handlers if h != state.lead]
    return state


def _reasons(features: Mapping[str, Any], lead: str | None) -> list[str]:
    reasons = []
    if not features.get("category"):
        detail = features.get("understanding_reason")
        reasons.append(f"{REASON_NO_CATEGORY}（{detail}）" if detail else REASON_NO_CATEGORY)
    elif not lead:
        reasons.append(REASON_NO_LEAD)
    if not features.get("grid"):
        reasons.append(REASON_NO_GRID)
    return reasons


def _build(
    features: Mapping[str, Any],
    state: _Routing,
    config: RulesConfig,
    request_type: str,
    reasons: list[str],
) -> Decision:
    deadlines = None
    try:
        deadlines = compute_deadlines(features["received_at"], request_type, state.urgent, config)
    except Exception as exc:
        logger.exception("办理时限计算失败：type=%r received_at=%r", request_type, features.get("received_at"))
        reasons.append(f"办理时限计算失败（{exc}），请人工确定时限")
    return Decision(
        category=features.get("category"),
        category_name=features.get("category_name"),
        top_category=features.get("top_category"),
        grid=features.get("grid"),
        community=features.get("community"),
        subdistrict=features.get("subdistrict"),
        lead=state.lead,
        co_handlers=tuple(state.co_handlers),
        whistle=state.whistle,
        urgent=state.urgent,
        ack_due=deadlines.ack_due if deadlines else None,
        feedback_due=deadlines.feedback_due if deadlines else None,
        complete_due=deadlines.complete_due if deadlines else None,
        escalation_level=state.escalation_level,
        fired_rules=tuple(state.fired),
        ruleset_version=config.version,
        calendar_estimated=deadlines.calendar_estimated if deadlines else False,
        calendar_version=config.calendar_version,
        needs_manual_dispatch=bool(reasons),
        reason="；".join(reasons),
        matched_keywords=tuple(features.get("hit_keywords", ())),
        urgent_keywords=tuple(features.get("urgent_keywords_hit", ())),
        departments_mentioned=tuple(features.get("departments", ())),
        repeat_count=int(features.get("repeat_count") or 1),
        location_source=features.get("location_source"),
        category_confidence=float(features.get("category_confidence") or 0.0),
        category_source=features.get("category_source") or "none",
        suggestions=tuple(features.get("suggestions", ())),
        category_evidence=dict(features.get("category_evidence") or {}),
        secondary_categories=tuple(features.get("secondary_categories", ())),
        urgent_probability=float(features.get("urgent_probability") or 0.0),
        urgent_cues=tuple(features.get("urgent_cues", ())) if state.urgent else (),
        model_version=config.model_version,
    )


def decide(
    request: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]] | None,
    config: RulesConfig,
    *,
    engine: RulesEngine | None = None,
) -> Decision:
    """Route one request. Never raises: a failure yields ``needs_manual_dispatch=True`` with a reason."""
    request_type = str(request.get("type") or "").strip()
    features: Mapping[str, Any] | None = None
    try:
        features = extract_features(request, history or (), config)
        state = route(features, config, engine or default_engine())
        return _build(features, state, config, request_type, _reasons(features, state.lead))
    except Exception as exc:
        logger.exception(
            "规则决策失败，转人工派单：request_id=%r type=%r ruleset_version=%s",
            request.get("id"),
            request_type,
            config.version,
        )
        reason = f"规则引擎出错，已转人工派单（{type(exc).__name__}: {exc}）"
        return _fallback(features, config, request_type, reason)


def manual_decision(reason: str, version: int = 0, model_version: str = "") -> Decision:
    """A decision that only says "a person must dispatch this", with the reason."""
    return Decision(
        category=None,
        category_name=None,
        top_category=None,
        grid=None,
        community=None,
        subdistrict=None,
        lead=None,
        co_handlers=(),
        whistle=False,
        urgent=False,
        ack_due=None,
        feedback_due=None,
        complete_due=None,
        escalation_level=0,
        fired_rules=(),
        ruleset_version=version,
        needs_manual_dispatch=True,
        reason=reason,
        model_version=model_version,
    )


def _fallback(features: Mapping[str, Any] | None, config: RulesConfig, request_type: str, reason: str) -> Decision:
    """Whatever could be determined without the rows: the category's default lead and keyword urgency."""
    if features is None:
        return manual_decision(reason, config.version, config.model_version)
    try:
        leaf = config.leaves.get(features.get("category") or "")
        urgent = bool(features.get("urgent_by_keyword") or features.get("urgent_signal"))
        state = _Routing(lead=leaf.default_lead if leaf else None, urgent=urgent)
        return _build(features, state, config, request_type, [reason])
    except Exception:
        logger.exception("人工派单兜底决策也失败：ruleset_version=%s", config.version)
        return _fallback(None, config, request_type, reason)
