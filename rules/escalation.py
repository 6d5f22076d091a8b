"""Escalation decisions: which level a case has reached, and who is told.

The database and the task queue remember deadlines and wake up; this module only answers,
for one moment, ``level = min(cap, initial_level + [ack overdue] + [completion overdue] +
working days fully elapsed after the completion deadline)`` (``rules.json`` escalation.formula).
The facts are computed here in Python; durable_rules decides which of the configured triggers
hold; each trigger then adds its ``levels_up`` (per elapsed working day for the per-day
trigger) and the sum is capped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.calendar import WorkingCalendar
from rules.deadlines import end_of_day, zone
from rules.engine import RulesEngine, default_engine
from rules.snapshot import RulesConfig

PER_DAY_EVENT = "overdue_each_further_working_day"


@dataclass(frozen=True, slots=True)
class EscalationFacts:
    initial_level: int
    ack_overdue: bool
    complete_overdue: bool
    overdue_working_days: int


@dataclass(frozen=True, slots=True)
class EscalationDecision:
    level: int
    code: str | None
    name: str | None
    handlers: tuple[str, ...]
    fired_triggers: tuple[str, ...]
    facts: EscalationFacts


def escalation_facts(
    *,
    initial_level: int,
    ack_due: datetime,
    complete_due: datetime,
    evaluated_at: datetime,
    calendar: WorkingCalendar,
    acked_at: datetime | None = None,
    completed_at: datetime | None = None,
    timezone: str = "Asia/Shanghai",
) -> EscalationFacts:
    """Facts at ``evaluated_at``; an acknowledgement or completion after that moment has not happened yet."""
    tz = zone(timezone)
    if acked_at is not None and acked_at <= evaluated_at:
        ack_overdue = acked_at > ack_due
    else:
        ack_overdue = evaluated_at > ack_due
    # Completion stops the clock: nothing escalates for time after the case was completed.
    stop = completed_at if completed_at is not None and completed_at <= evaluated_at else evaluated_at
    complete_overdue = stop > complete_due
    days = 0
    if complete_overdue:
        due_day = complete_due.astimezone(tz).date()
        stop_day = stop.astimezone(tz).date()
        days = calendar.working_days_between(due_day, stop_day)
        if days and calendar.is_working_day(stop_day) and not stop > end_of_day(stop_day, tz):
            days -= 1  # the stop day itself only counts once its 23:59:59 has passed
    return EscalationFacts(int(initial_level), ack_overdue, complete_overdue, days)


def escalate(facts: EscalationFacts, config: RulesConfig, *, engine: RulesEngine | None = None) -> EscalationDecision:
    """The level the facts lead to, with its name and handlers from the configured ladder."""
    engine = engine or default_engine()
    fired = engine.fire_escalation(
        config,
        {
            "initial_level": facts.initial_level,
            "ack_overdue": facts.ack_overdue,
            "complete_overdue": facts.complete_overdue,
            "overdue_working_days": facts.overdue_working_days,
        },
    )
    level = facts.initial_level
    codes: list[str] = []
    for index, trigger in enumerate(config.escalation_triggers):
        if index not in fired:
            continue
        codes.append(trigger.code)
        times = facts.overdue_working_days if trigger.event == PER_DAY_EVENT else 1
        level += trigger.levels_up * times
    level = max(0, min(config.escalation_cap, level))
    info = config.escalation_level_info(level)
    return EscalationDecision(
        level=level,
        code=info.code if info else None,
        name=info.name if info else None,
        handlers=info.handlers if info else (),
        fired_triggers=tuple(codes),
        facts=facts,
    )


def decide_escalation(
    *,
    initial_level: int,
    ack_due: datetime,
    complete_due: datetime,
    evaluated_at: datetime,
    config: RulesConfig,
    acked_at: datetime | None = None,
    completed_at: datetime | None = None,
    engine: RulesEngine | None = None,
) -> EscalationDecision:
    """Convenience for the sweep: facts from the case's timestamps, then ``escalate``."""
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
    return escalate(facts, config, engine=engine)
