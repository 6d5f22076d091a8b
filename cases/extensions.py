"""延期: the lead unit asks for more working days before the completion deadline; the subdistrict
or the hotline office approves (possibly fewer days) or refuses.

Approved days on one case add up to at most ``HandlingPolicy.extension_max_working_days``. The
deadline before the first extension is kept in ``Case.original_complete_due`` for the scores.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import HandlingPolicy

from . import engine
from .errors import CaseNotFound, CaseValidationError, FieldProblem, InvalidTransition
from .escalation import end_of_day, local_zone
from .input_safety import check_texts
from .locking import retry_when_locked
from .models import Assignment, Case, EventKind, ExtensionRequest
from .notifications import notify, notify_deciders, staff_for_unit
from .services.steps import (
    actor_of,
    check_action,
    fmt_moment,
    lead_of,
    lock_case,
    record_event,
    require_text,
    save_and_reschedule,
)

State = ExtensionRequest.State


def remaining_extension_days(case: Case, policy: HandlingPolicy | None = None) -> int:
    policy = policy or HandlingPolicy.load()
    return max(0, policy.extension_max_working_days - case.extended_working_days)


def _clean_days(value: Any, field_name: str, maximum: int) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days < 1:
        raise CaseValidationError([FieldProblem(field_name, "required", "请填写延期的工作日数（至少1个工作日）。")])
    if days > maximum:
        raise CaseValidationError(
            [FieldProblem(field_name, "too_many", f"延期不能超过{maximum}个工作日（延期累计上限扣除已批准的天数）。")]
        )
    return days


@retry_when_locked
def request_extension(
    case: Case | int, *, actor: Any, working_days: int, reason: str, now: datetime | None = None
) -> ExtensionRequest:
    """The lead unit applies for an extension, before the completion deadline has passed."""
    now = now or timezone.now()
    who = actor_of(actor)
    policy = HandlingPolicy.load()
    with transaction.atomic():
        case = lock_case(case)
        check_action("request_extension", who, case, now=now)
        lead = lead_of(case)
        remaining = remaining_extension_days(case, policy)
        days = _clean_days(working_days, "working_days", remaining)
        body = require_text(reason, "reason", "延期理由")
        try:
            with transaction.atomic():
                record = ExtensionRequest.objects.create(
                    case=case,
                    assignment=lead,
                    working_days=days,
                    reason=body,
                    requested_by=who.user,
                    requested_by_label=who.label,
                    requested_at=now,
                    previous_due=case.complete_due,
                )
        except IntegrityError as exc:
            raise InvalidTransition("本工单已有延期申请正在等待审核，请勿重复提交。", code="extension_pending") from exc
        record_event(
            case,
            EventKind.EXTENSION_REQUESTED,
            who,
            now,
            assignment=lead,
            payload={"working_days": days, "reason": body, "new_due": None},
        )
        notify_deciders(
            case,
            kind=EventKind.EXTENSION_REQUESTED,
            message=f"工单{case.ticket_number}“{lead.unit_label}”申请延期{days}个工作日，请审核：{body[:100]}",
            at=now,
        )
        save_and_reschedule(case, now)
    return record


def _lock_request(request: ExtensionRequest | int) -> tuple[Case, ExtensionRequest]:
    pk = request.pk if isinstance(request, ExtensionRequest) else request
    case_id = ExtensionRequest.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound("延期申请不存在。")
    case = lock_case(case_id)
    return case, ExtensionRequest.objects.select_for_update(of=("self",)).get(pk=pk)


def extended_due(case: Case, working_days: int) -> datetime:
    """``complete_due`` moved ``working_days`` working days later, to the end of that day (local zone).

    Counting on from the current deadline equals counting the total approved days from the
    original one, and keeps any shift a pause has already made.
    """
    day = timezone.localtime(case.complete_due, local_zone()).date()
    return end_of_day(engine.calendar_of(case).add_working_days(day, working_days))


@retry_when_locked
def approve_extension(
    request: ExtensionRequest | int,
    *,
    actor: Any,
    working_days: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ExtensionRequest:
    """Approve the days asked for, or fewer; ``complete_due`` moves and the deadline tasks follow."""
    check_texts(("note", "审核意见", note))
    now = now or timezone.now()
    who = actor_of(actor)
    policy = HandlingPolicy.load()
    with transaction.atomic():
        case, record = _lock_request(request)
        check_action("approve_extension", who, case, record, now=now)
        days = _clean_days(
            record.working_days if working_days in (None, "") else working_days,
            "working_days",
            min(record.working_days, remaining_extension_days(case, policy)),
        )
        if case.original_complete_due is None:
            case.original_complete_due = case.complete_due
        previous_due = case.complete_due
        case.complete_due = extended_due(case, days)
        case.extended_working_days += days
        record.state, record.approved_working_days = State.APPROVED, days
        record.previous_due, record.new_due = previous_due, case.complete_due
        record.decided_by, record.decided_by_label, record.decided_at = who.user, who.label, now
        record.decision_note = str(note or "").strip()[:500]
        record.save()
        payload = {"working_days": days, "reason": record.reason, "new_due": case.complete_due.isoformat()}
        if days != record.working_days:
            payload["requested_working_days"] = record.working_days
        record_event(
            case, EventKind.EXTENSION_APPROVED, who, now, assignment=record.assignment, payload=payload, public=True
        )
        due = fmt_moment(case.complete_due)
        message = f"工单{case.ticket_number}延期申请已批准：延期{days}个工作日，办结时限调整为{due}。"
        _tell_requester(case, record, now, message)
        save_and_reschedule(case, now)
    return record


@retry_when_locked
def refuse_extension(
    request: ExtensionRequest | int, *, actor: Any, note: str, now: datetime | None = None
) -> ExtensionRequest:
    """Refuse an extension; the deadline stands."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case, record = _lock_request(request)
        check_action("refuse_extension", who, case, record, now=now)
        body = require_text(note, "note", "驳回理由")
        record.state = State.REFUSED
        record.decided_by, record.decided_by_label, record.decided_at, record.decision_note = (
            who.user,
            who.label,
            now,
            body,
        )
        record.save()
        record_event(
            case,
            EventKind.EXTENSION_REFUSED,
            who,
            now,
            assignment=record.assignment,
            payload={"working_days": record.working_days, "reason": record.reason, "note": body, "new_due": None},
        )
        due = fmt_moment(case.complete_due)
        message = f"工单{case.ticket_number}延期申请被驳回，请按原办结时限（{due}）办结：{body[:100]}"
        _tell_requester(case, record, now, message)
        save_and_reschedule(case, now)
    return record


def _tell_requester(case: Case, record: ExtensionRequest, now: datetime, message: str) -> None:
    a = Assignment.objects.select_related("department").get(pk=record.assignment_id)
    staff = staff_for_unit(case, a)
    if record.requested_by_id:
        staff = staff.filter(user_id=record.requested_by_id) or staff
    kind = EventKind.EXTENSION_APPROVED if record.state == State.APPROVED else EventKind.EXTENSION_REFUSED
    notify(case, staff, kind=kind, message=message, at=now, fallback_label=a.unit_label)
