"""Due times of a request per ``sla.json``: acknowledgement, feedback and completion.

All arithmetic happens on the receipt's calendar day in Asia/Shanghai, whatever the offset of
the incoming timestamp, because the policy counts days as the hotline's staff see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from rules.calendar import WorkingCalendar
from rules.snapshot import RulesConfig

END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Deadlines:
    ack_due: datetime
    feedback_due: datetime
    complete_due: datetime
    calendar_estimated: bool


def parse_received_at(value: str | datetime, tz: ZoneInfo) -> datetime:
    """An aware datetime in ``tz``; a naive value is taken as local time in ``tz``."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def compute_deadlines(
    received_at: datetime,
    request_type: str,
    urgent: bool,
    config: RulesConfig,
    calendar: WorkingCalendar | None = None,
) -> Deadlines:
    """Due times for one request; raises KeyError when the type has no time limit configured."""
    tz = zone(config.timezone)
    calendar = calendar or config.calendar
    local = received_at.astimezone(tz)
    received_day = local.date()
    row = config.sla_row(request_type, urgent)

    # Natural hours: add in UTC so that a zone with daylight saving would still count real hours.
    ack_due = (local.astimezone(UTC) + timedelta(hours=row.ack_hours)).astimezone(tz)
    if row.feedback_same_day:
        feedback_day = received_day
    else:
        feedback_day = calendar.add_working_days(received_day, row.feedback_working_days or 0)
    complete_day = calendar.add_working_days(received_day, row.complete_working_days)
    estimated = any(calendar.is_estimated(day.year) for day in {feedback_day, complete_day})
    return Deadlines(
        ack_due=ack_due,
        feedback_due=end_of_day(feedback_day, tz),
        complete_due=end_of_day(complete_day, tz),
        calendar_estimated=estimated,
    )
