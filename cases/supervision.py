"""督办单: orders of the district supervision level (区督办) to a handling unit, and their workflow.

An order opens by itself when a case turns red (``supervise_overdue``) or when a resident is
still unsatisfied after re-handling (``supervise_repeat_unsatisfied``); once per (case, round,
reason). The handling unit replies, the supervisor closes it (销号). Like ``cases.services``,
each workflow checks the actor, then the state, then writes inside one transaction with the
case locked first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import handlers
from .errors import CaseNotFound, CasePermissionDenied, CaseValidationError, FieldProblem, InvalidTransition
from .input_safety import check_texts
from .limits import TEXT_MAX
from .locking import retry_when_locked
from .models import (
    Assignment,
    Case,
    CaseEvent,
    EventKind,
    SupervisionOrder,
    SupervisionReason,
    SupervisionStatus,
)
from .notifications import Delivery, notify, notify_all, staff_for_handlers, staff_for_unit
from .permissions import Actor, actor_for, acts_for, visible_cases

SUPERVISORS = [handlers.SUPERVISORS]
REASON_CODES = {SupervisionReason.OVERDUE: "YQ", SupervisionReason.REPEAT_UNSATISFIED: "BM"}


def order_number(case: Case, cycle: int, reason: str) -> str:
    """DB-<工单号>-<轮次>-<YQ 逾期 | BM 不满意>: unique because the order is unique per (case, cycle, reason)."""
    return f"DB-{case.ticket_number}-{cycle}-{REASON_CODES[SupervisionReason(reason)]}"


def _event(case: Case, actor: Actor, now: datetime, order: SupervisionOrder, action: str, **extra: Any) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.SUPERVISED,
        at=now,
        actor=actor.user,
        actor_label=actor.label,
        assignment=order.assignment,
        from_status=case.status,
        to_status=case.status,
        payload={"action": action, "number": order.number, "reason_code": order.reason, **extra},
    )


def open_supervision(
    case: Case, *, reason: str, assignment: Assignment | None, now: datetime
) -> SupervisionOrder | None:
    """Open the order for this round and reason; None if it exists already. The caller holds the case lock."""
    try:
        with transaction.atomic():
            order = SupervisionOrder.objects.create(
                number=order_number(case, case.cycle, reason),
                case=case,
                cycle=case.cycle,
                reason=reason,
                assignment=assignment,
                department_id=assignment.department_id if assignment else None,
                subdistrict_id=case.subdistrict_id,
                unit_label=assignment.unit_label if assignment else "",
                issued_at=now,
            )
    except IntegrityError:
        return None
    label = SupervisionReason(reason).label
    _event(case, actor_for(None), now, order, "issued", label=f"督办单{order.number}：{label}")
    unit = order.unit_label or "承办单位"
    deliveries = [
        Delivery(
            staff_for_handlers(case, SUPERVISORS),
            f"督办单{order.number}：工单{case.ticket_number}{label}，被督办单位：{unit}。",
            "、".join(SUPERVISORS),
        )
    ]
    if assignment is not None:
        deliveries.insert(
            0,
            Delivery(
                staff_for_unit(case, assignment),
                f"工单{case.ticket_number}{label}，区督办已下达督办单{order.number}，请尽快办理并回复。",
                assignment.unit_label,
            ),
        )
    notify_all(case, deliveries, kind=EventKind.SUPERVISED, at=now)
    return order


def _lead(case: Case) -> Assignment | None:
    return case.assignments.filter(active=True, role=Assignment.Role.LEAD).select_related("department").first()


def can_reply(actor: Actor, order: SupervisionOrder, case: Case) -> bool:
    """The unit the order names, or the unit now leading the case if it was redispatched since."""
    if actor.user is None:
        return False
    units = [a for a in (order.assignment, _lead(case)) if a is not None]
    return any(acts_for(actor, a, case) for a in units)


def can_close(actor: Actor) -> bool:
    return actor.user is not None and actor.is_supervisor


def _lock_order(order: SupervisionOrder | int) -> tuple[Case, SupervisionOrder]:
    pk = order.pk if isinstance(order, SupervisionOrder) else order
    case_id = SupervisionOrder.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound("督办单不存在。")
    case = Case.objects.select_for_update().get(pk=case_id)
    locked = (
        SupervisionOrder.objects.select_for_update(of=("self",)).select_related("assignment__department").get(pk=pk)
    )
    return case, locked


def _text(value: str, field: str, label: str, *, required: bool) -> str:
    text = str(value or "").strip()
    check_texts((field, label, text))
    if required and len(text) < 2:
        raise CaseValidationError([FieldProblem(field, "required", f"请填写{label}。")])
    if len(text) > TEXT_MAX:
        raise CaseValidationError([FieldProblem(field, "too_long", f"{label}不能超过{TEXT_MAX}字。")])
    return text


@retry_when_locked
def reply_supervision(
    order: SupervisionOrder | int, *, actor: Any, text: str, now: datetime | None = None
) -> SupervisionOrder:
    """The handling unit reports what it did about an open order; the supervisors are told."""
    now = now or timezone.now()
    who = actor if isinstance(actor, Actor) else actor_for(actor)
    with transaction.atomic():
        case, order = _lock_order(order)
        if not can_reply(who, order, case):
            raise CasePermissionDenied(f"只有被督办单位“{order.unit_label or '承办单位'}”的人员可以回复督办单。")
        if order.status != SupervisionStatus.OPEN:
            raise InvalidTransition(f"督办单{order.number}{order.get_status_display()}，不能再回复。")
        order.reply = _text(text, "text", "回复内容", required=True)
        order.status = SupervisionStatus.REPLIED
        order.replied_at, order.replied_by, order.replied_by_label = now, who.user, who.label
        order.save(update_fields=["reply", "status", "replied_at", "replied_by", "replied_by_label"])
        _event(case, who, now, order, "replied", text=order.reply)
        notify(
            case,
            staff_for_handlers(case, SUPERVISORS),
            kind=EventKind.SUPERVISED,
            message=f"督办单{order.number}已由{who.label}回复：{order.reply[:100]}",
            at=now,
            fallback_label="、".join(SUPERVISORS),
        )
    return order


@retry_when_locked
def close_supervision(
    order: SupervisionOrder | int, *, actor: Any, note: str = "", now: datetime | None = None
) -> SupervisionOrder:
    """区督办 closes (销号) a replied order; the unit is told."""
    now = now or timezone.now()
    who = actor if isinstance(actor, Actor) else actor_for(actor)
    with transaction.atomic():
        case, order = _lock_order(order)
        if not can_close(who):
            raise CasePermissionDenied("只有区督办人员可以督办销号。")
        if order.status != SupervisionStatus.REPLIED:
            raise InvalidTransition(f"督办单{order.number}{order.get_status_display()}，只有已回复的督办单才能销号。")
        order.close_note = _text(note, "note", "销号意见", required=False)
        order.status = SupervisionStatus.CLOSED
        order.closed_at, order.closed_by, order.closed_by_label = now, who.user, who.label
        order.save(update_fields=["close_note", "status", "closed_at", "closed_by", "closed_by_label"])
        _event(case, who, now, order, "closed", note=order.close_note)
        if order.assignment is not None:
            notify(
                case,
                staff_for_unit(case, order.assignment),
                kind=EventKind.SUPERVISED,
                message=f"督办单{order.number}已销号。",
                at=now,
                fallback_label=order.unit_label,
            )
    return order


def visible_orders(user: Any) -> QuerySet[SupervisionOrder]:
    """Supervisors see every order; everyone else the orders of the cases they may see."""
    actor = user if isinstance(user, Actor) else actor_for(user)
    orders = SupervisionOrder.objects.all()
    return orders if actor.is_supervisor else orders.filter(case__in=visible_cases(actor).values("pk"))
