"""The one door to the rules engine: ``cases`` asks ``rules.services`` and never decides routing itself.

Imports are lazy so that loading the models never starts the engine, and so that tests can
replace one function here to simulate an engine failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def decide_request(request: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> Any:
    from rules import services

    return services.decide_request(dict(request), list(history))


@dataclass(frozen=True)
class LadderStep:
    """The escalation ruleset's answer, in the shape this app stores."""

    level: int
    code: str
    name: str
    handlers: tuple[str, ...]
    fired_rules: tuple[str, ...]


def decide_escalation(
    *, initial_level: int, ack_overdue: bool, complete_overdue: bool, overdue_working_days: int
) -> LadderStep:
    from rules import services

    decided = services.decide_escalation(
        initial_level=initial_level,
        ack_overdue=ack_overdue,
        complete_overdue=complete_overdue,
        overdue_working_days=overdue_working_days,
    )
    fired = getattr(decided, "fired_rules", None)
    if fired is None:
        fired = getattr(decided, "fired_triggers", ())
    return LadderStep(
        level=int(decided.level),
        code=decided.code or "",
        name=decided.name or "",
        handlers=tuple(decided.handlers or ()),
        fired_rules=tuple(fired),
    )


def working_calendar() -> Any:
    from rules import services

    return services.working_calendar()


def latest_calendar() -> Any:
    """The live calendar with its version number (``.version``, ``.calendar``)."""
    from rules import services

    return services.latest_calendar()


def calendar_for_version(number: int) -> Any:
    """The calendar a case's deadlines were computed on, for recomputing them the same way."""
    from rules import services

    return services.calendar_for_version(number)


def calendar_of(case: Any) -> Any:
    """The working calendar ``case``'s deadlines were computed on (the live one if none is recorded).

    Recomputing a deadline of an existing case (an extension, a pause, a card) counts on this
    calendar, so that a later edit of the working calendar never moves what was already promised.
    """
    if case.calendar_version is None:
        return latest_calendar().calendar
    return calendar_for_version(case.calendar_version)


def overdue_working_days(complete_due: datetime, now: datetime) -> int:
    from rules import services

    return int(services.overdue_working_days(complete_due, now))
