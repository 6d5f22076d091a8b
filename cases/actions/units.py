"""Actions an assigned unit takes on its own assignment: 报到, 退单, 协办反馈."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from .. import returns, services
from ..errors import AlreadyAcknowledged, CasePermissionDenied, InvalidTransition
from ..models import Assignment, Case, ReturnRequest
from ..permissions import Actor, acts_for
from ..transitions import require_state
from .base import ActionContext, ActionOption, CaseAction, already_acknowledged_message, context_for


class Acknowledge(CaseAction):
    name = "acknowledge"
    label = "报到"
    target = "assignment"
    success = "已报到。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        a: Assignment = target
        if not acts_for(actor, a, case):
            raise CasePermissionDenied(f"只有承办单位“{a.unit_label}”的人员可以报到。")
        if a.acknowledged_at is not None:
            raise AlreadyAcknowledged(already_acknowledged_message(a))
        if not a.active:
            raise InvalidTransition(f"“{a.unit_label}”的分派已退单，不能报到。")
        require_state("acknowledge", case.status)

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Assignment:
        return services.acknowledge(target, actor=actor, **inputs)


class ReturnAssignment(CaseAction):
    """退单: at once within the return window, past it a request the subdistrict decides."""

    name = "return_assignment"
    label = "退单"
    needs_input = "return"
    target = "assignment"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        a: Assignment = target
        if not acts_for(actor, a, case):
            raise CasePermissionDenied(f"只有承办单位“{a.unit_label}”的人员可以退单。")
        require_state("return_assignment", case.status)
        if not a.active:
            raise InvalidTransition(f"“{a.unit_label}”的分派已退单。")
        if any(r.assignment_id == a.pk for r in context_for(case, context).pending_returns):
            raise InvalidTransition(f"“{a.unit_label}”的退单申请正在等待街道（镇）审核，请勿重复提交。")

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        end = returns.return_window_end(target, context.policy)
        if context.now <= end:
            label, detail = "退单", f"可在{timezone.localtime(end):%Y-%m-%d %H:%M}前自行退单"
        else:
            label, detail = "申请退单", "已超过自行退单时限，退单须经街道（镇）审核同意"
        return ActionOption(self.name, label, target.pk, target.unit_label, self.needs_input, detail=detail)

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> ReturnRequest:
        """``reason_code`` from the policy's options and a ``note``; ``code_required=False`` lets
        partner systems without the options send free text only."""
        return returns.request_return(target, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"reason_code": data.get("return_reason", ""), "note": data.get("reason", "")}

    def success_message(self, result: ReturnRequest) -> str:
        if result.state == ReturnRequest.State.PENDING:
            return "已超过自行退单时限，退单申请已提交街道（镇）审核。"
        return "已退单，等待街道改派。"


class AssignmentFeedback(CaseAction):
    """协办反馈: a co-handler reports what it did; the lead unit uses 反馈 instead."""

    name = "assignment_feedback"
    label = "协办反馈"
    needs_input = "text"
    target = "assignment"
    success = "已提交协办反馈。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        a: Assignment = target
        if not acts_for(actor, a, case):
            raise CasePermissionDenied(f"只有承办单位“{a.unit_label}”的人员可以反馈。")
        require_state("assignment_feedback", case.status)
        if not a.active or a.acknowledged_at is None:
            raise InvalidTransition(f"“{a.unit_label}”须先报到才能反馈办理情况。")
        if a.role == Assignment.Role.LEAD:
            raise InvalidTransition(f"“{a.unit_label}”是主办单位，请用“反馈”告知办理情况。")

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Assignment:
        return services.give_assignment_feedback(target, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": data.get("text", "")}
