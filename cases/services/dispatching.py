"""Dispatch: ask the rules engine, apply its decision, or queue the case for a dispatcher;
人工派单, 改派 and the deadlines counted from the configured time limits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import OperationalError, transaction
from django.utils import timezone

from cms.models import (
    Address,
    Department,
    Grid,
    RequestCategory,
    TimeLimitRule,
    Urgency,
)
from cms.units import AREA_KINDS, UnitKind

from .. import engine, handlers
from ..duplicates import find_duplicates, scope_of
from ..errors import (
    CaseError,
    CasePermissionDenied,
    CaseValidationError,
    FieldProblem,
)
from ..escalation import (
    END_OF_DAY,
    local_zone,
    refresh_schedule,
)
from ..escalation import ladder_step as _ladder_step
from ..escalation import record_escalation as _record_escalation
from ..input_safety import check_texts
from ..locking import retry_when_locked
from ..models import (
    Assignment,
    Case,
    CaseStatus,
    EventKind,
)
from ..notifications import Delivery, notify_all, notify_deciders, staff_for_handlers, staff_for_units
from ..permissions import SYSTEM, Actor
from ..repeats import repeat_history
from ..transitions import require_state
from .steps import actor_of, check_action, fmt_moment, lock_case, record_event, require_dispatcher, save_and_reschedule

logger = logging.getLogger(__name__)

S = CaseStatus
HISTORY_DAYS = 30


def flag_duplicates(case: Case, now: datetime) -> None:
    """Mark a case whose category is known as a possible duplicate (the nearest open earlier report).

    Runs in a savepoint and logs its own failures: the check must never lose or block the new case.
    """
    if case.category_id is None or case.possible_duplicate_of_id is not None or not case.is_open:
        return
    try:
        with transaction.atomic():
            found = find_duplicates(**scope_of(case))
            if not found:
                return
            updated = Case.objects.filter(pk=case.pk, possible_duplicate_of__isnull=True).update(
                possible_duplicate_of=found[0], updated_at=now
            )
            if not updated:
                return
            case.possible_duplicate_of = found[0]
            record_event(
                case,
                EventKind.DUPLICATE_SUSPECTED,
                SYSTEM,
                now,
                payload={
                    "candidates": [c.ticket_number for c in found],
                    "label": f"与{'、'.join(c.ticket_number for c in found[:5])}可能重复",
                },
            )
    except Exception:
        logger.exception("工单 %s 的重复诉求检查失败，工单已正常受理", case.ticket_number)


def address_history(case: Case) -> list[dict[str, Any]]:
    """Earlier reports at exactly this address in the last 30 days, for the repeat rule (``cases.repeats``)."""
    return repeat_history(case, HISTORY_DAYS)


def routing_request(case: Case) -> dict[str, Any]:
    """The request as the rules engine reads it, rebuilt from the stored case."""
    return {
        "type": case.request_type,
        "text": case.text,
        "address": case.address or None,
        "point": case.point,
        "channel": case.channel,
        "received_at": timezone.localtime(case.received_at, local_zone()).isoformat(),
    }


@retry_when_locked
def decide_and_dispatch(case_id: int, *, now: datetime | None = None) -> Case:
    """Ask the engine about a received case and apply the answer; any failure → manual queue."""
    now = now or timezone.now()
    case = Case.objects.get(pk=case_id)
    if case.status != S.RECEIVED:
        return case
    try:
        decision = engine.decide_request(routing_request(case), address_history(case))
    except Exception as exc:
        logger.exception("规则引擎调用失败，工单 %s 转人工派单", case.ticket_number)
        decision, failure = None, f"规则引擎不可用（{type(exc).__name__}），已转人工派单"
    else:
        failure = ""
    with transaction.atomic():
        case = lock_case(case_id)
        if case.status != S.RECEIVED:
            return case
        if decision is not None:
            try:
                with transaction.atomic():
                    _apply_decision(case, decision, now)
            except OperationalError:
                raise  # a lock: retried as a whole by retry_when_locked
            except Exception as exc:
                logger.exception("派单决定无法应用，工单 %s 转人工派单", case.ticket_number)
                case = lock_case(case_id)
                decision, failure = None, f"派单决定无法应用（{type(exc).__name__}），已转人工派单"
        if decision is None:
            _queue_manual(case, failure, now)
        refresh_schedule(case, list(case.assignments.all()), now)
        case.save()
    flag_duplicates(case, now)
    return case


def _decision_record(decision: Any) -> dict[str, Any]:
    record = decision.to_dict() if hasattr(decision, "to_dict") else {}
    record.update(
        {
            "needs_manual_dispatch": bool(getattr(decision, "needs_manual_dispatch", False)),
            "reason": getattr(decision, "reason", "") or "",
            "calendar_estimated": bool(getattr(decision, "calendar_estimated", False)),
            "calendar_version": int(getattr(decision, "calendar_version", 0) or 0),
        }
    )
    return record


def _apply_decision(case: Case, decision: Any, now: datetime) -> None:
    problems: list[str] = []
    case.decision = _decision_record(decision)
    case.ruleset_version = decision.ruleset_version
    case.fired_rules = list(decision.fired_rules)
    case.calendar_estimated = bool(decision.calendar_estimated)
    case.urgency = Urgency.URGENT if decision.urgent else Urgency.NORMAL
    case.whistle = bool(decision.whistle)
    if decision.category:
        case.category = RequestCategory.objects.filter(code=decision.category).first()
        if case.category is None:
            problems.append(f"分类{decision.category}不存在")
    if decision.grid:
        grid = Grid.objects.select_related("community__subdistrict").filter(code=decision.grid).first()
        if grid is None:
            problems.append(f"网格{decision.grid}不存在")
        else:
            _set_area(case, grid)
    case.ack_due, case.feedback_due, case.complete_due = (
        decision.ack_due,
        decision.feedback_due,
        decision.complete_due,
    )
    case.calendar_version = decision.calendar_version if case.complete_due is not None else None
    if case.ack_due is not None:
        case.ack_window_minutes = max(0, int((case.ack_due - case.received_at).total_seconds() // 60))
    case.initial_level = case.escalation_level = int(decision.escalation_level or 0)
    units: list[_Unit] = []
    if not decision.needs_manual_dispatch:
        units, unit_problems = _resolve_units(case, decision.lead, decision.co_handlers)
        problems += unit_problems
        if None in (case.ack_due, case.feedback_due, case.complete_due):
            problems.append("办理时限未能确定")
    if decision.needs_manual_dispatch or problems:
        reason = "；".join([r for r in [decision.reason or "", *problems] if r]) or "规则引擎未能决定派单"
        _queue_manual(case, reason, now)
    else:
        _dispatch(case, units, SYSTEM, now, kind=EventKind.DISPATCHED, ack_due=case.ack_due)
    if case.escalation_level > 0:
        step = _ladder_step(case.escalation_level)
        _record_escalation(
            case,
            previous=case.escalation_level - 1,
            decided=step,
            facts={"initial_level": case.escalation_level, "fired_rules": list(case.fired_rules)},
            source="intake",
            now=now,
        )


def _set_area(case: Case, grid: Grid) -> None:
    case.grid = grid
    case.community = grid.community
    case.subdistrict = grid.community.subdistrict
    alley_id = None
    if case.address:
        alley_id = Address.objects.filter(address=case.address).values_list("alley_id", flat=True).first()
    if alley_id is None:
        alleys = set(Address.objects.filter(grid=grid, alley__isnull=False).values_list("alley_id", flat=True))
        alley_id = next(iter(alleys)) if len(alleys) == 1 else None
    case.alley_id = alley_id


@dataclass(frozen=True)
class _Unit:
    kind: str
    code: str
    department: Department | None = None


def _resolve_units(case: Case, lead: str | None, co_handlers: Sequence[str]) -> tuple[list[_Unit], list[str]]:
    """Lead first, then co-handlers; each a department code or grid/community/subdistrict of the case."""
    codes = [c for c in [lead, *co_handlers] if c]
    problems = [] if lead else ["未确定主办单位"]
    area_kinds = set(AREA_KINDS)
    departments = {d.code: d for d in Department.objects.filter(code__in=[c for c in codes if c not in area_kinds])}
    units: list[_Unit] = []
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            continue
        seen.add(code)
        if code in area_kinds:
            if getattr(case, f"{code}_id") is None:
                problems.append(f"未能确定所属{UnitKind(code).label}")
                continue
            units.append(_Unit(code, code))
        elif code in departments:
            units.append(_Unit(UnitKind.DEPARTMENT, code, departments[code]))
        else:
            problems.append(f"承办单位{code}不存在")
    return units, problems


def _queue_manual(case: Case, reason: str, now: datetime) -> None:
    previous = case.status
    case.status = S.PENDING_DISPATCH
    case.manual_reason = reason[:255]
    record_event(
        case, EventKind.MANUAL_QUEUE, SYSTEM, now, from_status=previous, payload={"reason": case.manual_reason}
    )
    notify_deciders(
        case, kind=EventKind.MANUAL_QUEUE, message=f"工单{case.ticket_number}需要人工派单：{case.manual_reason}", at=now
    )


def _dispatch(
    case: Case, units: Sequence[_Unit], actor: Actor, now: datetime, *, kind: str, ack_due: datetime | None
) -> None:
    """Create the assignments (lead first) and move the case to 已派单; notify every new unit."""
    previous = case.status
    active = {a.unit_code: a for a in case.assignments.filter(active=True).select_related("department")}
    lead_code = units[0].code
    demoted = [a.pk for a in active.values() if a.role == Assignment.Role.LEAD and a.unit_code != lead_code]
    if demoted:
        Assignment.objects.filter(pk__in=demoted).update(role=Assignment.Role.CO)
    promoted = active.get(lead_code)
    if promoted is not None and promoted.role != Assignment.Role.LEAD:
        Assignment.objects.filter(pk=promoted.pk).update(role=Assignment.Role.LEAD)
    for a in active.values():
        a.role = Assignment.Role.LEAD if a is promoted else Assignment.Role.CO
    created = [
        Assignment(
            case=case,
            role=Assignment.Role.LEAD if index == 0 else Assignment.Role.CO,
            unit_kind=unit.kind,
            unit_code=unit.code,
            department=unit.department,
            subdistrict_id=case.subdistrict_id,
            cycle=case.cycle,
            dispatched_at=now,
            ack_due=ack_due,
        )
        for index, unit in enumerate(units)
        if unit.code not in active
    ]
    Assignment.objects.bulk_create(created)
    case.lead_department = units[0].department
    case.status = S.DISPATCHED
    case.dispatched_at = case.dispatched_at or now
    case.acknowledged_at = None
    record_event(
        case,
        kind,
        actor,
        now,
        from_status=previous,
        payload={"lead": lead_code, "co_handlers": [u.code for u in units[1:]], "whistle": case.whistle},
        public=True,
    )
    deliveries = [
        Delivery(
            staff,
            f"新工单{case.ticket_number}（{'主办' if a.role == Assignment.Role.LEAD else '协办'}）："
            f"请在{fmt_moment(a.ack_due)}前报到。",
            a.unit_label,
        )
        for a, staff in zip(created, staff_for_units(case, created), strict=True)
    ]
    if case.whistle and case.subdistrict_id:
        everyone = [*active.values(), *created]
        names = "、".join(a.unit_label for a in sorted(everyone, key=lambda a: a.role != Assignment.Role.LEAD))
        deliveries.append(
            Delivery(
                staff_for_handlers(case, [handlers.SUBDISTRICT], everyone),
                f"街道吹哨：工单{case.ticket_number}需{names}联合处置，请跟踪各部门报到。",
                handlers.SUBDISTRICT,
            )
        )
    notify_all(case, deliveries, kind=EventKind.DISPATCHED, at=now)


@retry_when_locked
def dispatch(case: Case | int, *, actor: Any | None = None, now: datetime | None = None) -> Case:
    """Dispatch a received case as the engine decided it (intake does this by itself)."""
    now = now or timezone.now()
    who = actor_of(actor)
    pk = case.pk if isinstance(case, Case) else case
    with transaction.atomic():
        locked = lock_case(pk)
        require_dispatcher(who, locked, "派单")
        require_state("dispatch", locked.status)
    return decide_and_dispatch(pk, now=now)


@retry_when_locked
def redispatch(
    case: Case | int,
    *,
    actor: Any,
    lead: str,
    co_handlers: Sequence[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """改派 a returned case to a new lead (and co-handlers); each new unit gets a fresh 报到 window."""
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("redispatch", who, case, now=now)
        units = _units_or_error(case, lead, co_handlers)
        _dispatch(case, units, who, now, kind=EventKind.REDISPATCHED, ack_due=_fresh_ack_due(case, now))
        case.redispatch_suggestion = {}
        if note:
            record_event(case, EventKind.REDISPATCHED, who, now, payload={"note": str(note)[:500]})
        return save_and_reschedule(case, now)


@retry_when_locked
def manual_dispatch(
    case: Case | int,
    *,
    actor: Any,
    lead: str,
    co_handlers: Sequence[str] = (),
    category: str | None = None,
    grid: str | None = None,
    whistle: bool | None = None,
    now: datetime | None = None,
) -> Case:
    """Dispatch a case from the manual queue: the dispatcher supplies what the engine could not."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("manual_dispatch", who, case, now=now)
        if category:
            found = RequestCategory.objects.filter(code=category).first()
            if found is None:
                raise CaseValidationError([FieldProblem("category", "not_found", f"诉求分类“{category}”不存在。")])
            case.category = found
        if grid:
            found_grid = Grid.objects.select_related("community__subdistrict").filter(code=grid).first()
            if found_grid is None:
                raise CaseValidationError([FieldProblem("grid", "not_found", f"网格“{grid}”不存在。")])
            staff = who.staff
            if (
                not who.is_supervisor
                and staff is not None
                and staff.subdistrict_id != found_grid.community.subdistrict_id
            ):
                raise CasePermissionDenied("只能派给本街道（镇）辖区内的网格。")
            _set_area(case, found_grid)
        if whistle is not None:
            case.whistle = bool(whistle)
        units = _units_or_error(case, lead, co_handlers)
        if None in (case.ack_due, case.feedback_due, case.complete_due):
            set_policy_deadlines(case, case.received_at)
        _dispatch(case, units, who, now, kind=EventKind.DISPATCHED, ack_due=case.ack_due)
        case = save_and_reschedule(case, now)
        flag_duplicates(case, now)
        return case


def _units_or_error(case: Case, lead: str, co_handlers: Sequence[str]) -> list[_Unit]:
    units, problems = _resolve_units(case, lead, list(co_handlers))
    if problems:
        raise CaseValidationError([FieldProblem("lead", "invalid_unit", p) for p in problems])
    return units


def _fresh_ack_due(case: Case, now: datetime) -> datetime | None:
    if case.ack_window_minutes is None:
        return case.ack_due
    return now + timedelta(minutes=case.ack_window_minutes)


calendar_of = engine.calendar_of


def set_policy_deadlines(case: Case, start: datetime, *, ack: bool = True, calendar_version: int | None = None) -> None:
    """Deadlines from the configured time limits, counted from ``start`` on the official calendar.

    Used where the engine gave none (manual queue) and for a reopened round, on the latest
    calendar version unless ``calendar_version`` names one; the version used is recorded.
    """
    rule = TimeLimitRule.objects.filter(request_type=case.request_type, urgency=case.urgency).first()
    if rule is None:
        raise CaseError(
            f"未配置“{case.request_type}·{Urgency(case.urgency).label}”的办理时限，请先在“办理时限”中补充。",
            code="no_time_limit",
        )
    if calendar_version is None:
        latest = engine.latest_calendar()
        calendar_version, calendar = latest.version, latest.calendar
    else:
        calendar = engine.calendar_for_version(calendar_version)
    local = timezone.localtime(start, local_zone())
    day = local.date()
    zone = local_zone()
    if ack:
        case.ack_due = start + timedelta(hours=rule.ack_hours)
        case.ack_window_minutes = rule.ack_hours * 60
    feedback_day = day if rule.feedback_same_day else calendar.add_working_days(day, rule.feedback_working_days or 0)
    case.feedback_due = datetime.combine(feedback_day, END_OF_DAY, tzinfo=zone)
    complete_day = calendar.add_working_days(day, rule.complete_working_days)
    case.complete_due = datetime.combine(complete_day, END_OF_DAY, tzinfo=zone)
    case.calendar_version = calendar_version
    case.calendar_estimated = any(calendar.is_estimated(d.year) for d in {feedback_day, complete_day})
