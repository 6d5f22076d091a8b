"""退单（回退）: a unit hands back a case outside its duties, directly within the return window or
by a request the subdistrict approves; a returned lead leaves the rules' next suggestion for 改派.

The window is ``HandlingPolicy.return_window_working_days`` working days after the dispatch day
(the day of receipt never counts), to the end of the last one.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cms.models import Department, HandlingPolicy

from . import engine
from .errors import CaseNotFound, CaseValidationError, FieldProblem, InvalidTransition
from .escalation import end_of_day, local_zone
from .input_safety import check_texts
from .locking import retry_when_locked
from .models import Assignment, Case, CaseStatus, EventKind, ReturnRequest, UnitKind, withdraw_pending_requests
from .notifications import notify, notify_deciders, staff_for_unit
from .permissions import Actor
from .services.dispatching import address_history, routing_request
from .services.steps import (
    actor_of,
    check_action,
    lock_assignment,
    lock_case,
    record_event,
    require_text,
    save_and_reschedule,
)

logger = logging.getLogger(__name__)

State = ReturnRequest.State


def return_window_end(assignment: Assignment, policy: HandlingPolicy | None = None) -> datetime:
    """The last moment the unit may return the case without approval."""
    policy = policy or HandlingPolicy.load()
    dispatched = timezone.localtime(assignment.dispatched_at, local_zone()).date()
    last_day = engine.calendar_of(assignment.case).add_working_days(dispatched, policy.return_window_working_days)
    return end_of_day(last_day)


def _clean_reason(reason_code: str, policy: HandlingPolicy, *, required: bool) -> str:
    reason = str(reason_code or "").strip()
    options = list(policy.return_reasons or [])
    if not reason and not required:
        return ""
    if reason not in options:
        raise CaseValidationError(
            [FieldProblem("reason_code", "invalid_choice", f"请选择退单理由：{'、'.join(options)}。")]
        )
    return reason


@retry_when_locked
def request_return(
    assignment: Assignment | int,
    *,
    actor: Any,
    reason_code: str,
    note: str,
    now: datetime | None = None,
    code_required: bool = True,
) -> ReturnRequest:
    """退单 with a reason option and an explanation: done at once within the window, else a request.

    Returns the record; its ``state`` says which (``direct`` or ``pending``). Partner systems
    that have no reason options pass ``code_required=False`` and explain in ``note``.
    """
    return _file(assignment, actor, reason_code, note, now, code_required=code_required)


@retry_when_locked
def file_return(
    assignment: Assignment | int,
    *,
    actor: Any,
    reason_code: str,
    note: str,
    now: datetime | None = None,
    code_required: bool = True,
) -> Assignment:
    """``request_return`` for callers that want the assignment back (``services.return_assignment``)."""
    return _file(assignment, actor, reason_code, note, now, code_required=code_required).assignment


def _file(
    assignment: Assignment | int, actor: Any, reason_code: str, note: str, now: datetime | None, *, code_required: bool
) -> ReturnRequest:
    now = now or timezone.now()
    who = actor_of(actor)
    policy = HandlingPolicy.load()
    with transaction.atomic():
        case, a = lock_assignment(assignment)
        check_action("return_assignment", who, case, a, now=now)
        reason = _clean_reason(reason_code, policy, required=code_required)
        body = require_text(note, "note" if code_required else "reason", "退单说明" if code_required else "退单理由")
        window_end = return_window_end(a, policy)
        in_window = now <= window_end
        record = ReturnRequest(
            case=case,
            assignment=a,
            reason=reason,
            note=body,
            state=State.DIRECT if in_window else State.PENDING,
            window_ends_at=window_end,
            requested_by=who.user,
            requested_by_label=who.label,
            requested_at=now,
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError as exc:
            raise InvalidTransition(f"“{a.unit_label}”的退单申请正在等待街道（镇）审核，请勿重复提交。") from exc
        if in_window:
            _hand_back(case, a, who, now, record)
        else:
            record_event(
                case,
                EventKind.RETURN_REQUESTED,
                who,
                now,
                assignment=a,
                payload={
                    "unit": a.unit_code,
                    "unit_label": a.unit_label,
                    "reason": _reason_text(record),
                    "reason_code": reason,
                    "window_ends_at": window_end.isoformat(),
                },
            )
            notify_deciders(
                case,
                kind=EventKind.RETURN_REQUESTED,
                message=f"工单{case.ticket_number}“{a.unit_label}”超过退单时限申请退单，请审核：{_reason_text(record)[:100]}",
                at=now,
            )
        save_and_reschedule(case, now)
    return record


def _reason_text(record: ReturnRequest) -> str:
    return f"{record.reason}：{record.note}" if record.reason else record.note


def _hand_back(case: Case, a: Assignment, who: Actor, now: datetime, record: ReturnRequest) -> None:
    """Take the unit off the case; a lead sends the case back to the dispatcher with a new suggestion."""
    text = _reason_text(record)
    a.active = False
    a.status = Assignment.Status.RETURNED
    a.returned_at = now
    a.return_reason = text
    a.save(update_fields=["active", "status", "returned_at", "return_reason"])
    withdraw_pending_requests(case=case, assignments=[a], at=now, note="承办单位已退单，申请自动撤销。")
    previous = case.status
    payload: dict[str, Any] = {
        "unit": a.unit_code,
        "unit_label": a.unit_label,
        "reason": text,
        "role": a.role,
        "reason_code": record.reason,
        "in_window": record.state == State.DIRECT,
    }
    if a.role == Assignment.Role.LEAD:
        case.status = CaseStatus.RETURNED
        case.redispatch_suggestion = suggest_redispatch(case, now)
        payload["suggested_lead"] = case.redispatch_suggestion.get("lead")
    record_event(case, EventKind.RETURNED, who, now, from_status=previous, assignment=a, payload=payload)
    notify_deciders(
        case, kind=EventKind.RETURNED, message=f"工单{case.ticket_number}被“{a.unit_label}”退单：{text[:100]}", at=now
    )


def _unit_label(code: str, departments: dict[str, str]) -> str:
    if code in UnitKind.values:
        return UnitKind(code).label
    return departments.get(code, code)


def suggest_redispatch(case: Case, now: datetime) -> dict[str, Any]:
    """Route the case again and drop every unit that has returned it: the rules' next suggestion.

    The engine's lead comes first, then its co-handlers; the first one left becomes the lead.
    When nothing is left the suggestion says so and the dispatcher chooses by hand.
    """
    returned = list(
        Assignment.objects.filter(case=case, status=Assignment.Status.RETURNED)
        .order_by("id")
        .values_list("unit_code", flat=True)
        .distinct()
    )
    excluded = list(dict.fromkeys(returned))
    try:
        decision = engine.decide_request(routing_request(case), address_history(case))
    except Exception as exc:
        logger.exception("改派建议：规则引擎调用失败，工单 %s", case.ticket_number)
        return {
            "lead": None,
            "co_handlers": [],
            "excluded": excluded,
            "reason": f"规则引擎不可用（{type(exc).__name__}），请人工选择承办单位。",
        }
    candidates = [c for c in dict.fromkeys([decision.lead, *decision.co_handlers]) if c and c not in excluded]
    departments = dict(Department.objects.filter(code__in=[*candidates, *excluded]).values_list("code", "name"))
    lead = candidates[0] if candidates else None
    return {
        "lead": lead,
        "lead_label": _unit_label(lead, departments) if lead else "",
        "co_handlers": candidates[1:],
        "excluded": excluded,
        "excluded_labels": [_unit_label(c, departments) for c in excluded],
        "ruleset_version": decision.ruleset_version,
        "fired_rules": list(decision.fired_rules),
        "reason": "" if lead else "规则排除已退单单位后没有其他承办单位，请人工选择。",
        "at": now.isoformat(),
    }


def _lock_request(request: ReturnRequest | int) -> tuple[Case, ReturnRequest]:
    pk = request.pk if isinstance(request, ReturnRequest) else request
    case_id = ReturnRequest.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound("退单申请不存在。")
    case = lock_case(case_id)
    record = ReturnRequest.objects.select_for_update(of=("self",)).get(pk=pk)
    return case, record


@retry_when_locked
def approve_return(
    request: ReturnRequest | int, *, actor: Any, note: str = "", now: datetime | None = None
) -> ReturnRequest:
    """The subdistrict agrees to a late return: the unit comes off the case as with a direct return."""
    check_texts(("note", "审核意见", note))
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case, record = _lock_request(request)
        check_action("approve_return", who, case, record, now=now)
        a = Assignment.objects.select_for_update(of=("self",)).select_related("department").get(pk=record.assignment_id)
        record.state, record.decided_by, record.decided_by_label = State.APPROVED, who.user, who.label
        record.decided_at, record.decision_note = now, str(note or "").strip()[:500]
        record.save(update_fields=["state", "decided_by", "decided_by_label", "decided_at", "decision_note"])
        record_event(
            case,
            EventKind.RETURN_APPROVED,
            who,
            now,
            assignment=a,
            payload={"unit": a.unit_code, "unit_label": a.unit_label, "note": record.decision_note},
        )
        if a.active:
            _hand_back(case, a, who, now, record)
        _tell_requester(case, record, a, now, f"工单{case.ticket_number}的退单申请已获同意。")
        save_and_reschedule(case, now)
    return record


@retry_when_locked
def refuse_return(request: ReturnRequest | int, *, actor: Any, note: str, now: datetime | None = None) -> ReturnRequest:
    """The subdistrict refuses a late return: the unit keeps the case."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case, record = _lock_request(request)
        check_action("refuse_return", who, case, record, now=now)
        body = require_text(note, "note", "驳回理由")
        a = Assignment.objects.select_related("department").get(pk=record.assignment_id)
        record.state, record.decided_by, record.decided_by_label = State.REFUSED, who.user, who.label
        record.decided_at, record.decision_note = now, body
        record.save(update_fields=["state", "decided_by", "decided_by_label", "decided_at", "decision_note"])
        record_event(
            case,
            EventKind.RETURN_REFUSED,
            who,
            now,
            assignment=a,
            payload={"unit": a.unit_code, "unit_label": a.unit_label, "note": body},
        )
        _tell_requester(case, record, a, now, f"工单{case.ticket_number}的退单申请被驳回，请继续办理：{body[:100]}")
        save_and_reschedule(case, now)
    return record


def _tell_requester(case: Case, record: ReturnRequest, a: Assignment, now: datetime, message: str) -> None:
    staff = staff_for_unit(case, a)
    if record.requested_by_id:
        staff = staff.filter(user_id=record.requested_by_id) or staff
    kind = EventKind.RETURN_APPROVED if record.state == State.APPROVED else EventKind.RETURN_REFUSED
    notify(case, staff, kind=kind, message=message, at=now, fallback_label=a.unit_label)


# --------------------------------------------------------------------------- report


@dataclass
class ReturnReportRow:
    """Who returned what and why, for one unit (a department, or an area unit kind)."""

    key: str
    name: str
    total: int = 0
    in_window: int = 0
    after_window: int = 0
    approved: int = 0
    refused: int = 0
    pending: int = 0
    by_reason: Counter = field(default_factory=Counter)

    def reason_counts(self, reasons: list[str]) -> list[int]:
        return [self.by_reason.get(r, 0) for r in reasons]


@dataclass(frozen=True)
class ReturnReport:
    start: date
    end: date
    reasons: list[str]
    rows: list[ReturnReportRow]
    total: ReturnReportRow


def return_report(start: date, end: date, *, cases: QuerySet[Case] | None = None) -> ReturnReport:
    """Returns filed between ``start`` and ``end`` (local days, inclusive), counted per unit.

    ``cases`` narrows the count to the cases a user may see (None: all).
    """
    zone = local_zone()
    since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    until = end_of_day(end)
    records = ReturnRequest.objects.filter(requested_at__gte=since, requested_at__lte=until)
    if cases is not None:
        records = records.filter(case__in=cases.values("pk"))
    records = records.order_by("id").values_list(
        "assignment__unit_kind", "assignment__department__code", "assignment__department__name", "reason", "state"
    )
    rows: dict[str, ReturnReportRow] = {}
    total = ReturnReportRow("", "合计")
    seen_reasons: list[str] = []
    for kind, code, name, reason, state in records.iterator():
        if kind == UnitKind.DEPARTMENT:
            key, label = code or "", name or code or "部门"
        else:
            key, label = kind, UnitKind(kind).label
        row = rows.setdefault(key, ReturnReportRow(key, label))
        reason = reason or "未分类"
        if reason not in seen_reasons:
            seen_reasons.append(reason)
        for target in (row, total):
            target.total += 1
            target.by_reason[reason] += 1
            if state == State.DIRECT:
                target.in_window += 1
            else:
                target.after_window += 1
                target.approved += state == State.APPROVED
                target.refused += state == State.REFUSED
                target.pending += state == State.PENDING
    options = list(HandlingPolicy.load().return_reasons or [])
    reasons = options + [r for r in seen_reasons if r not in options]
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.name))
    return ReturnReport(start, end, reasons, ordered, total)
