"""The steps every case workflow takes: who acts, lock the case, record an event, save and reschedule.

Shared by ``cases.services`` and the request workflows (``returns``, ``extensions``, ``pauses``), so
the lock order (case before assignment) and the event format are written once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from ..errors import (
    CaseNotFound,
    CasePermissionDenied,
    CaseValidationError,
    FieldProblem,
)
from ..escalation import (
    local_zone,
    refresh_schedule,
)
from ..input_safety import text_problem
from ..limits import TEXT_MAX, TEXT_MIN
from ..models import (
    Assignment,
    Case,
    CaseEvent,
    CaseStatus,
)
from ..permissions import Actor, actor_for, can_dispatch

S = CaseStatus


def actor_of(user: Any | None) -> Actor:
    if isinstance(user, Actor):
        return user
    return actor_for(user)


def lock_case(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise CaseNotFound("工单不存在或已被删除。")
    return locked


def lock_assignment(assignment: Assignment | int) -> tuple[Case, Assignment]:
    """The assignment and its case, both locked, case first (the order every workflow locks in)."""
    pk = assignment.pk if isinstance(assignment, Assignment) else assignment
    case_id = Assignment.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound("承办分派不存在。")
    case = lock_case(case_id)
    return case, Assignment.objects.select_for_update(of=("self",)).select_related("department").get(pk=pk)


def record_event(
    case: Case,
    kind: str,
    actor: Actor,
    now: datetime,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    assignment: Assignment | None = None,
    payload: dict[str, Any] | None = None,
    public: bool = False,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=now,
        actor=actor.user,
        actor_label=actor.label,
        assignment=assignment,
        from_status=case.status if from_status is None else from_status,
        to_status=case.status if to_status is None else to_status,
        payload=payload or {},
        public=public,
    )


def fmt_moment(moment: datetime | None) -> str:
    return timezone.localtime(moment, local_zone()).strftime("%Y-%m-%d %H:%M") if moment else "—"


def save_and_reschedule(case: Case, now: datetime) -> Case:
    refresh_schedule(case, list(case.assignments.all()), now)
    case.save()
    return case


def lead_of(case: Case) -> Assignment | None:
    return case.assignments.filter(active=True, role=Assignment.Role.LEAD).select_related("department").first()


def require_dispatcher(actor: Actor, case: Case, action: str) -> None:
    if not can_dispatch(actor, case):
        raise CasePermissionDenied(f"只有本街道（镇）的吹哨调度员或区督办人员可以{action}。")


def require_text(value: str, field_name: str, label: str, minimum: int = TEXT_MIN) -> str:
    text = str(value or "").strip()
    if bad := text_problem(text, field_name, label):
        raise CaseValidationError([bad])
    if len(text) < minimum:
        raise CaseValidationError([FieldProblem(field_name, "required", f"请填写{label}。")])
    if len(text) > TEXT_MAX:
        raise CaseValidationError([FieldProblem(field_name, "too_long", f"{label}不能超过{TEXT_MAX}字。")])
    return text


def check_action(name: str, actor: Actor, case: Case, target: Any = None, *, now: datetime | None = None) -> None:
    """The action's own check from ``cases.actions``, run on the locked case before anything changes."""
    from ..actions import check_action as check  # the actions call these workflows: imported late

    check(name, actor, case, target, now=now)
