"""The rules domain's public interface for the other apps, the admin and the commands.

Everything here reads the live configuration snapshot (``rules.loader``) and never writes to the
database; every function that decides also never raises for a bad request or an engine failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cms.units import UnitKind

from .calendar import WorkingCalendar
from .decision import Decision, decide, manual_decision
from .escalation import EscalationDecision, EscalationFacts, escalate, escalation_facts
from .loader import calendar_for_version, config_from_database, draft_config, live_config
from .snapshot import RulesConfig
from .validation import RuleWarning, validate

logger = logging.getLogger(__name__)


def decide_request(
    request: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]] = (),
    *,
    config: RulesConfig | None = None,
) -> Decision:
    """Route one request with the live rules; a failure gives a manual-dispatch decision, never raises."""
    try:
        config = config or live_config()
    except Exception:
        logger.exception("无法加载规则配置，诉求转人工派单")
        return manual_decision("规则配置暂时无法加载，请人工派单")
    return decide(request, history, config)


def working_calendar() -> WorkingCalendar:
    return live_config().calendar


@dataclass(frozen=True)
class VersionedCalendar:
    """A working calendar together with the version number deadlines computed on it record."""

    version: int
    calendar: WorkingCalendar


def latest_calendar() -> VersionedCalendar:
    """The live calendar and its version, taken from one snapshot so the two always agree."""
    config = live_config()
    return VersionedCalendar(config.calendar_version, config.calendar)


def escalation_for(
    *,
    initial_level: int,
    ack_due: datetime,
    complete_due: datetime,
    evaluated_at: datetime,
    acked_at: datetime | None = None,
    completed_at: datetime | None = None,
    config: RulesConfig | None = None,
) -> EscalationDecision:
    """The escalation level a case has reached at ``evaluated_at`` (the escalation ruleset decides)."""
    config = config or live_config()
    facts = escalation_facts(
        initial_level=initial_level,
        ack_due=ack_due,
        complete_due=complete_due,
        evaluated_at=evaluated_at,
        calendar=config.calendar,
        acked_at=acked_at,
        completed_at=completed_at,
        timezone=config.timezone,
    )
    return escalate(facts, config)


def decide_escalation(
    *,
    initial_level: int,
    ack_overdue: bool,
    complete_overdue: bool,
    overdue_working_days: int,
    config: RulesConfig | None = None,
) -> EscalationDecision:
    """The escalation level from already-computed facts."""
    facts = EscalationFacts(int(initial_level), bool(ack_overdue), bool(complete_overdue), int(overdue_working_days))
    return escalate(facts, config or live_config())


def overdue_working_days(complete_due: datetime, now: datetime, *, config: RulesConfig | None = None) -> int:
    """Whole working days fully elapsed after ``complete_due`` (0 when not overdue)."""
    config = config or live_config()
    facts = escalation_facts(
        initial_level=0,
        ack_due=complete_due,
        complete_due=complete_due,
        evaluated_at=now,
        calendar=config.calendar,
        timezone=config.timezone,
    )
    return facts.overdue_working_days


# --- administrators ------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    row: str
    code: str
    message: str


def check_rule_book(book: Any) -> list[Finding]:
    """Pre-publish findings for a rule book as edited (its latest revision), against today's references."""
    from cms.models.rulebook import rulebook_content

    draft = book.get_latest_revision_as_object() if getattr(book, "pk", None) else book
    config = config_from_database(rulebook_content(draft), version=-1)
    return [Finding(w.row_code, w.code, w.message_zh) for w in validate(config)]


@dataclass(frozen=True)
class Simulation:
    decision: Decision
    source_label: str
    version_label: str
    labels: dict[str, str]
    fired: list[dict[str, Any]] = field(default_factory=list)
    keywords: tuple[str, ...] = ()
    suggestions: list[dict[str, Any]] = field(default_factory=list)


def _handler_label(code: str | None, config: RulesConfig, decision: Decision) -> str:
    if not code:
        return "未确定"
    if code in config.departments:
        return config.departments[code].name
    area = {
        "grid": config.grids[decision.grid].name if decision.grid and decision.grid in config.grids else None,
        "community": config.communities.get(decision.community or ""),
        "subdistrict": config.subdistricts.get(decision.subdistrict or ""),
    }
    if code in area:
        return f"{UnitKind(code).label}：{area.get(code) or '未定位'}"
    return code


def simulate(request: Mapping[str, Any], source: str = "live") -> Simulation:
    """Decide ``request`` against the draft or the live rule book, with names for every code."""
    config = draft_config() if source == "draft" else config_from_database()
    decision = decide(request, (), config)
    evidence = dict(decision.category_evidence)
    if config.text_model is not None and decision.suggestions:
        reading = config.text_model.read(str(request.get("text") or ""))
        evidence = {code: config.text_model.explain(reading, code) for code in decision.suggestions}
    rows = {row.code: row for row in config.routing}
    labels = {
        "category": f"{config.top_categories.get(decision.top_category or '', '')} / {decision.category_name}"
        if decision.category
        else "未识别",
        "grid": config.grids[decision.grid].name if decision.grid and decision.grid in config.grids else "未定位",
        "community": config.communities.get(decision.community or "", "—"),
        "subdistrict": config.subdistricts.get(decision.subdistrict or "", "—"),
        "lead": _handler_label(decision.lead, config, decision),
        "co_handlers": "、".join(_handler_label(c, config, decision) for c in decision.co_handlers),
    }
    fired = [
        {"id": code, "priority": rows[code].priority, "description": rows[code].description}
        for code in decision.fired_rules
        if code in rows
    ]
    version_label = "草稿（未发布）" if config.version < 0 else f"v{config.version}"
    suggestions = [
        {
            "code": code,
            "name": f"{config.leaves[code].parent_name} / {config.leaves[code].name}",
            "words": evidence.get(code, ()),
        }
        for code in decision.suggestions
        if code in config.leaves
    ]
    return Simulation(
        decision=decision,
        source_label="草稿规则" if source == "draft" else "已发布规则",
        version_label=version_label,
        labels=labels,
        fired=fired,
        keywords=decision.matched_keywords,
        suggestions=suggestions,
    )


def preview(requests: Iterable[Mapping[str, Any]], *, config: RulesConfig | None = None) -> Iterable[dict[str, Any]]:
    """``route_preview``: one output record per input record, decided without writing anything."""
    config = config or live_config()
    for record in requests:
        request = record.get("request", record)
        history = record.get("history") or request.get("history") or ()
        yield decide(request, history, config).to_dict()


__all__ = [
    "Decision",
    "EscalationDecision",
    "Finding",
    "RuleWarning",
    "Simulation",
    "VersionedCalendar",
    "calendar_for_version",
    "check_rule_book",
    "decide_escalation",
    "decide_request",
    "escalation_for",
    "latest_calendar",
    "overdue_working_days",
    "preview",
    "simulate",
    "working_calendar",
]
