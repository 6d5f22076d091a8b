"""挂起: the clock stops while the case waits for the resident (unreachable caller, missing papers).

While ``Case.paused_at`` is set nothing escalates; on resume the deadlines not yet passed when the
case was paused move later by the paused working days. Pauses add up to at most
``HandlingPolicy.pause_max_working_days`` per case; the sweep resumes a pause that reaches it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from cms.models import HandlingPolicy

from . import engine
from .errors import CaseValidationError, FieldProblem
from .escalation import end_of_day, local_zone
from .input_safety import check_texts
from .locking import retry_when_locked
from .models import Case, EventKind
from .notifications import notify, notify_deciders, staff_for_unit
from .permissions import SYSTEM, Actor
from .services.steps import actor_of, check_action, fmt_moment, lead_of, lock_case, record_event, save_and_reschedule

AUTO_RESUME_NOTE = "累计挂起达到上限，系统自动恢复办理。"
PAUSE_FIELDS = ["paused_at", "pause_reason", "pause_ends_at", "paused_working_days", "feedback_due", "complete_due"]


def remaining_pause_days(case: Case, policy: HandlingPolicy | None = None) -> int:
    policy = policy or HandlingPolicy.load()
    return max(0, policy.pause_max_working_days - case.paused_working_days)


@retry_when_locked
def pause_case(case: Case | int, *, actor: Any, reason_code: str, note: str = "", now: datetime | None = None) -> Case:
    """Stop the clock with a reason from ``HandlingPolicy.pause_reasons``."""
    check_texts(("reason_code", "挂起理由", reason_code), ("note", "说明", note))
    now = now or timezone.now()
    who = actor_of(actor)
    policy = HandlingPolicy.load()
    with transaction.atomic():
        case = lock_case(case)
        check_action("pause_case", who, case, now=now)
        lead = lead_of(case)
        reason = str(reason_code or "").strip()
        options = list(policy.pause_reasons or [])
        if reason not in options:
            raise CaseValidationError(
                [FieldProblem("reason_code", "invalid_choice", f"请选择挂起理由：{'、'.join(options)}。")]
            )
        remaining = remaining_pause_days(case, policy)
        today = timezone.localtime(now, local_zone()).date()
        case.paused_at = now
        case.pause_reason = reason
        case.pause_ends_at = end_of_day(engine.calendar_of(case).add_working_days(today, remaining))
        record_event(
            case,
            EventKind.PAUSED,
            who,
            now,
            assignment=lead,
            payload={
                "reason": reason,
                "note": str(note or "").strip()[:500],
                "remaining_working_days": remaining,
                "resume_by": case.pause_ends_at.isoformat(),
            },
            public=True,
        )
        # The subdistrict learns that a clock stopped, and why, so that a pause is never silent.
        notify_deciders(
            case,
            kind=EventKind.PAUSED,
            message=f"工单{case.ticket_number}已由“{lead.unit_label}”挂起：{reason}；最迟{fmt_moment(case.pause_ends_at)}恢复办理。",
            at=now,
        )
        return save_and_reschedule(case, now)


@retry_when_locked
def resume_case(case: Case | int, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    """Restart the clock; the open deadlines move later by the working days the case was paused."""
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("resume_case", who, case, now=now)
        resume(case, who, now, note=note)
        return save_and_reschedule(case, now)


def resume_at_cap(case: Case, now: datetime) -> None:
    """Called by the escalation check on a locked case whose pause reached the cap; saves the fields."""
    resume(case, SYSTEM, now, note=AUTO_RESUME_NOTE)
    case.save(update_fields=[*PAUSE_FIELDS, "updated_at"])


def _shift(calendar: Any, moment: datetime, working_days: int) -> datetime:
    local = timezone.localtime(moment, local_zone())
    day = calendar.add_working_days(local.date(), working_days)
    return datetime.combine(day, local.time(), tzinfo=local_zone())


def resume(case: Case, actor: Actor, now: datetime, *, note: str = "") -> int:
    """Unpause a locked case in memory (the caller saves) and record it; returns the days counted.

    Counted are the working days after the day of pausing up to the day of resuming, at most
    what was left of the cap; a deadline already passed when the case was paused stays.
    """
    policy = HandlingPolicy.load()
    calendar = engine.calendar_of(case)
    zone = local_zone()
    paused_day = timezone.localtime(case.paused_at, zone).date()
    today = timezone.localtime(now, zone).date()
    days = min(calendar.working_days_between(paused_day, today), remaining_pause_days(case, policy))
    if days:
        if case.feedback_due and case.feedback_at is None and case.feedback_due >= case.paused_at:
            case.feedback_due = _shift(calendar, case.feedback_due, days)
        if case.complete_due and case.resolved_at is None and case.complete_due >= case.paused_at:
            case.complete_due = _shift(calendar, case.complete_due, days)
    case.paused_working_days += days
    paused_at = case.paused_at
    case.paused_at = None
    case.pause_reason = ""
    case.pause_ends_at = None
    record_event(
        case,
        EventKind.RESUMED,
        actor,
        now,
        payload={
            "paused_working_days": days,
            "total_paused_working_days": case.paused_working_days,
            "paused_at": paused_at.isoformat(),
            "feedback_due": case.feedback_due.isoformat() if case.feedback_due else None,
            "complete_due": case.complete_due.isoformat() if case.complete_due else None,
            "auto": actor.is_system,
            "note": str(note or "").strip()[:500],
        },
        public=True,
    )
    lead = lead_of(case)
    if lead is not None:
        how = "累计挂起达到上限，系统已自动恢复办理" if actor.is_system else "已恢复办理"
        notify(
            case,
            staff_for_unit(case, lead),
            kind=EventKind.RESUMED,
            message=f"工单{case.ticket_number}{how}，办结时限为{fmt_moment(case.complete_due)}。",
            at=now,
            fallback_label=lead.unit_label,
        )
    return days
