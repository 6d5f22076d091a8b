"""Handling transitions after dispatch: 报到, 开始办理, 反馈, 办结, 回访, 结案, 重新办理, 合并 and 优先级.

Each function locks the case, runs the action's ``check`` from ``cases.actions`` and then changes
everything inside one transaction; side effects run after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import (
    HandlingPolicy,
    ResponsePriority,
)

from ..errors import (
    AlreadyAcknowledged,
    CaseNotFound,
    CasePermissionDenied,
    CaseValidationError,
    FieldProblem,
    InvalidTransition,
)
from ..input_safety import check_texts
from ..limits import TEXT_MAX
from ..locking import retry_when_locked
from ..models import (
    Acknowledgement,
    Assignment,
    Case,
    CaseStatus,
    EventKind,
    Satisfaction,
    SupervisionReason,
    withdraw_pending_requests,
)
from ..notifications import Delivery, notify, notify_all, staff_for_unit, staff_for_units
from ..permissions import can_dispatch
from ..supervision import open_supervision
from .dispatching import set_policy_deadlines
from .steps import (
    actor_of,
    check_action,
    lead_of,
    lock_assignment,
    lock_case,
    record_event,
    require_text,
    save_and_reschedule,
)

S = CaseStatus


@retry_when_locked
def acknowledge(assignment: Assignment | int, *, actor: Any, now: datetime | None = None) -> Assignment:
    """报到 for one unit. Two people of the unit pressing at once make one 报到 and one event."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case, a = lock_assignment(assignment)
        check_action("acknowledge", who, case, a, now=now)
        try:
            with transaction.atomic():
                Acknowledgement.objects.create(assignment=a, by=who.user, by_label=who.label, at=now)
        except IntegrityError as exc:
            raise AlreadyAcknowledged(f"“{a.unit_label}”已报到，无需重复报到。") from exc
        a.acknowledged_at = now
        a.status = Assignment.Status.ACKNOWLEDGED
        a.save(update_fields=["acknowledged_at", "status"])
        previous = case.status
        pending = case.assignments.filter(active=True, cycle=case.cycle, acknowledged_at__isnull=True).exists()
        if not pending:
            case.acknowledged_at = now
            if case.status == S.DISPATCHED:
                case.status = S.ACKNOWLEDGED
        record_event(
            case,
            EventKind.ACKNOWLEDGED,
            who,
            now,
            from_status=previous,
            assignment=a,
            payload={"unit": a.unit_code, "unit_label": a.unit_label, "in_time": a.acknowledged_in_time},
        )
        save_and_reschedule(case, now)
    return a


@retry_when_locked
def start(case: Case | int, *, actor: Any, now: datetime | None = None) -> Case:
    """The lead unit starts handling; it must have reported in first."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("start", who, case, now=now)
        lead = lead_of(case)
        previous = case.status
        case.status = S.IN_PROGRESS
        case.started_at = case.started_at or now
        record_event(case, EventKind.STARTED, who, now, from_status=previous, assignment=lead, public=True)
        return save_and_reschedule(case, now)


@retry_when_locked
def give_feedback(case: Case | int, *, actor: Any, text: str, now: datetime | None = None) -> Case:
    """The lead unit tells the resident what is being done (反馈); this meets the feedback deadline."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("give_feedback", who, case, now=now)
        lead = lead_of(case)
        body = require_text(text, "text", "反馈内容")
        previous = case.status
        case.status = S.FEEDBACK
        case.feedback_at = case.feedback_at or now
        case.feedback_text = body
        lead.feedback_at, lead.feedback_text, lead.status = now, body, Assignment.Status.FEEDBACK
        lead.save(update_fields=["feedback_at", "feedback_text", "status"])
        record_event(
            case,
            EventKind.FEEDBACK,
            who,
            now,
            from_status=previous,
            assignment=lead,
            payload={"text": body, "in_time": bool(case.feedback_due and now <= case.feedback_due)},
            public=True,
        )
        return save_and_reschedule(case, now)


@retry_when_locked
def give_assignment_feedback(
    assignment: Assignment | int, *, actor: Any, text: str, now: datetime | None = None
) -> Assignment:
    """A co-handler reports what it did; the case's status does not change."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case, a = lock_assignment(assignment)
        check_action("assignment_feedback", who, case, a, now=now)
        body = require_text(text, "text", "反馈内容")
        a.feedback_at, a.feedback_text, a.status = now, body, Assignment.Status.FEEDBACK
        a.save(update_fields=["feedback_at", "feedback_text", "status"])
        record_event(case, EventKind.ASSIGNMENT_FEEDBACK, who, now, assignment=a, payload={"text": body})
        case.save(update_fields=["updated_at"])
    return a


@retry_when_locked
def resolve(case: Case | int, *, actor: Any, resolution: str, now: datetime | None = None) -> Case:
    """办结 by the lead unit, once every unit still on the case has reported in."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("resolve", who, case, now=now)
        lead = lead_of(case)
        body = require_text(resolution, "resolution", "办结说明")
        previous = case.status
        case.status = S.RESOLVED
        case.resolved_at = now
        case.resolution = body
        case.handling_seconds = max(0, int((now - case.received_at).total_seconds()))
        record_event(
            case,
            EventKind.RESOLVED,
            who,
            now,
            from_status=previous,
            assignment=lead,
            payload={"resolution": body, "in_time": bool(case.complete_due and now <= case.complete_due)},
            public=True,
        )
        return save_and_reschedule(case, now)


@retry_when_locked
def record_callback(
    case: Case | int, *, actor: Any, satisfaction: str, note: str = "", now: datetime | None = None
) -> Case:
    """回访: the resident's rating of the result (满意 / 基本满意 / 不满意).

    Still 不满意 after re-handling (round 2 or later) opens a 督办单 when the policy says so.
    """
    check_texts(("note", "回访记录", note))
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("record_callback", who, case, now=now)
        if satisfaction not in Satisfaction.values:
            raise CaseValidationError(
                [FieldProblem("satisfaction", "invalid_choice", "满意度只能是满意、基本满意或不满意。")]
            )
        previous = case.status
        case.status = S.CALLBACK
        case.satisfaction = satisfaction
        case.callback_at = now
        case.callback_note = str(note or "").strip()[:TEXT_MAX]
        record_event(
            case,
            EventKind.CALLBACK,
            who,
            now,
            from_status=previous,
            payload={
                "satisfaction": satisfaction,
                "label": Satisfaction(satisfaction).label,
                "note": case.callback_note,
            },
            public=True,
        )
        if (
            satisfaction == Satisfaction.UNSATISFIED
            and case.cycle >= 2
            and HandlingPolicy.load().supervise_repeat_unsatisfied
        ):
            open_supervision(case, reason=SupervisionReason.REPEAT_UNSATISFIED, assignment=lead_of(case), now=now)
        return save_and_reschedule(case, now)


@retry_when_locked
def close(case: Case | int, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("close", who, case, now=now)
        previous = case.status
        case.status = S.CLOSED
        case.closed_at = now
        record_event(
            case, EventKind.CLOSED, who, now, from_status=previous, payload={"note": str(note or "")[:500]}, public=True
        )
        return save_and_reschedule(case, now)


def return_assignment(
    assignment: Assignment | int, *, actor: Any, reason: str, reason_code: str = "", now: datetime | None = None
) -> Assignment:
    """退单 with a free-text reason, for callers that have no reason option; see ``cases.returns``.

    Within the return window the unit is off the case at once; past it, this files a request
    the subdistrict decides, and the assignment stays active meanwhile.
    """
    from ..returns import file_return

    return file_return(assignment, actor=actor, reason_code=reason_code, note=reason, now=now, code_required=False)


@retry_when_locked
def reopen(case: Case | int, *, actor: Any, reason: str, now: datetime | None = None) -> Case:
    """重新办理 after an unsatisfied callback: a new round with fresh deadlines, from the level reached."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("reopen", who, case, now=now)
        body = require_text(reason, "reason", "重新办理的原因")
        previous = case.status
        rating = case.satisfaction
        case.cycle += 1
        case.initial_level = case.escalation_level
        case.status = S.REOPENED
        case.resolved_at = case.feedback_at = case.feedback_overdue_at = case.started_at = None
        case.handling_seconds = None
        case.satisfaction = ""
        set_policy_deadlines(case, now, ack=False)
        Assignment.objects.filter(case=case, active=True, status=Assignment.Status.FEEDBACK).update(
            status=Assignment.Status.ACKNOWLEDGED
        )
        record_event(
            case,
            EventKind.REOPENED,
            who,
            now,
            from_status=previous,
            payload={"reason": body, "previous_satisfaction": rating, "cycle": case.cycle},
            public=True,
        )
        lead = lead_of(case)
        if lead is not None:
            notify(
                case,
                staff_for_unit(case, lead),
                kind=EventKind.REOPENED,
                message=f"工单{case.ticket_number}回访不满意，需重新办理：{body[:100]}",
                at=now,
                fallback_label=lead.unit_label,
            )
        return save_and_reschedule(case, now)


MERGE_NOTE_MAX = 500


@retry_when_locked
def merge_case(
    case: Case | int,
    *,
    into: Case | int | str,
    actor: Any,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """合并: a new case that reports an open case's problem again is closed into that case.

    The new case becomes 已合并 with ``merged_into`` set, its units are released and its deadlines
    stop; the existing case's ``repeat_count`` grows by the merged case and whatever had been
    merged into it (those follow the existing case too). ``into`` is a case, its id or its ticket number.
    """
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = actor_of(actor)
    body = str(note or "").strip()[:MERGE_NOTE_MAX]
    with transaction.atomic():
        source_pk = case.pk if isinstance(case, Case) else case
        target_pk = _merge_target_pk(into)
        if source_pk == target_pk:
            raise InvalidTransition("不能把工单合并到它自己，请选择另一件工单。", code="same_case", field="into")
        locked = {pk: lock_case(pk) for pk in sorted((source_pk, target_pk))}  # one lock order for every caller
        case, target = locked[source_pk], locked[target_pk]
        check_action("merge", who, case, now=now)
        if not can_dispatch(who, target):
            raise CasePermissionDenied(f"工单{target.ticket_number}不在您的辖区，不能合并到该工单。")
        if not target.is_open:
            raise InvalidTransition(
                f"工单{target.ticket_number}当前为“{target.get_status_display()}”，只能合并到未办结的工单。",
                code="target_not_open",
                field="into",
            )
        previous = case.status
        released = list(case.assignments.filter(active=True).select_related("department"))
        Assignment.objects.filter(pk__in=[a.pk for a in released]).update(active=False)
        withdraw_pending_requests(case=case, at=now, note="工单已合并，申请自动撤销。")
        Case.objects.filter(merged_into=case).update(merged_into=target, updated_at=now)
        added = 1 + case.repeat_count
        case.status = S.MERGED
        case.merged_into = target
        target.repeat_count += added
        record_event(
            case,
            EventKind.MERGED,
            who,
            now,
            from_status=previous,
            payload={"into": target.ticket_number, "note": body, "label": f"合并到工单{target.ticket_number}"},
            public=True,
        )
        record_event(
            target,
            EventKind.MERGED,
            who,
            now,
            payload={
                "from": case.ticket_number,
                "added": added,
                "repeat_count": target.repeat_count,
                "note": body,
                "label": f"工单{case.ticket_number}合并到本工单，累计重复反映{target.repeat_count}次",
            },
        )
        target.save(update_fields=["repeat_count", "updated_at"])
        notify_all(
            case,
            [
                Delivery(
                    staff,
                    f"工单{case.ticket_number}已合并到工单{target.ticket_number}，本单位无需继续办理。",
                    a.unit_label,
                )
                for a, staff in zip(released, staff_for_units(case, released), strict=True)
            ],
            kind=EventKind.MERGED,
            at=now,
        )
        return save_and_reschedule(case, now)


def _merge_target_pk(into: Case | int | str) -> int:
    if isinstance(into, Case):
        return into.pk
    if isinstance(into, int):
        return into
    ticket = str(into or "").strip().upper()
    pk = Case.objects.filter(ticket_number=ticket).values_list("pk", flat=True).first() if ticket else None
    if pk is None:
        raise CaseNotFound(f"未找到工单号为“{ticket}”的工单，请核对后重新输入。", field="into")
    return pk


@retry_when_locked
def set_priority(
    case: Case | int, *, actor: Any, priority: ResponsePriority | int | None, now: datetime | None = None
) -> Case:
    """The dispatcher sets (or, with ``None``, clears) an open case's 办理优先级; one event per change."""
    now = now or timezone.now()
    who = actor_of(actor)
    with transaction.atomic():
        case = lock_case(case)
        check_action("set_priority", who, case, now=now)
        chosen = None
        if priority is not None:
            pk = priority.pk if isinstance(priority, ResponsePriority) else priority
            chosen = ResponsePriority.objects.for_category(case.category).filter(pk=pk).first()
            if chosen is None:
                raise CaseValidationError(
                    [FieldProblem("priority", "invalid_choice", "该优先级不存在或不适用于本工单的分类，请重新选择。")]
                )
        if (chosen.pk if chosen else None) == case.priority_id:
            return case
        before = case.priority.name if case.priority_id else ""
        case.priority = chosen
        record_event(
            case,
            EventKind.PRIORITY_SET,
            who,
            now,
            payload={
                "priority": chosen.name if chosen else "",
                "previous": before,
                "label": f"优先级：{chosen.name}" if chosen else "已取消优先级",
            },
        )
        return save_and_reschedule(case, now)
