"""Actions of the subdistrict's dispatcher (or 区督办): dispatching, decisions on requests,
回访, 结案, 重新办理, priority and merging."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from .. import extensions, returns, services
from ..errors import CaseValidationError, FieldProblem, InvalidTransition
from ..models import Case, ExtensionRequest, ReturnRequest, Satisfaction
from ..permissions import Actor
from ..transitions import require_state
from .base import ActionContext, ActionOption, CaseAction
from .rules import require_dispatcher


class DispatcherAction(CaseAction):
    """A transition only the dispatcher side takes, allowed in the states ``transition`` names."""

    transition: str = ""
    verb: str = ""

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        require_dispatcher(actor, case, self.verb or self.label)
        require_state(self.transition or self.name, case.status)


class ManualDispatch(DispatcherAction):
    name = "manual_dispatch"
    label = "人工派单"
    needs_input = "dispatch"
    success = "已派单。"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.manual_dispatch(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "lead": data.get("lead", ""),
            "co_handlers": data.get("co_handlers", []),
            "category": data.get("category") or None,
            "grid": data.get("grid") or None,
            "whistle": data.get("whistle"),
        }


class Redispatch(DispatcherAction):
    name = "redispatch"
    label = "改派"
    needs_input = "dispatch"
    success = "已改派。"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.redispatch(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"lead": data.get("lead", ""), "co_handlers": data.get("co_handlers", [])}


class RecordCallback(DispatcherAction):
    """回访: the dispatcher records the rating, or the resident gives it on the pages or the API."""

    name = "record_callback"
    label = "回访"
    needs_input = "satisfaction"
    success = "已记录回访结果。"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.record_callback(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"satisfaction": data.get("satisfaction", ""), "note": data.get("note", "")}


class Reopen(DispatcherAction):
    name = "reopen"
    label = "重新办理"
    needs_input = "reason"
    success = "已重新交办。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        super().check(actor, case, target, context=context)
        if case.satisfaction != Satisfaction.UNSATISFIED:
            raise InvalidTransition("只有回访结果为“不满意”的工单才能重新办理。")

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.reopen(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"reason": data.get("reason", "")}


class Close(DispatcherAction):
    name = "close"
    label = "结案"
    success = "已结案。"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.close(case, actor=actor, **inputs)


def _return_detail(r: ReturnRequest) -> str:
    return f"{r.reason}：{r.note}（{timezone.localtime(r.requested_at):%Y-%m-%d %H:%M} {r.requested_by_label}）"


def require_pending(record: ReturnRequest | ExtensionRequest, kind: str) -> None:
    if record.state != record.State.PENDING:
        raise InvalidTransition(f"该{kind}申请已处理（{record.get_state_display()}），无需再次审核。")


class ReturnDecision(CaseAction):
    """同意/驳回 a late 退单 request (the target)."""

    target = "return_request"
    needs_input = "note"
    approve = True

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        require_dispatcher(actor, case, "审核退单")
        require_pending(target, "退单")
        if self.approve:
            require_state("decide_return", case.status)

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        unit = next((a.unit_label for a in context.assignments if a.pk == target.assignment_id), "")
        return ActionOption(self.name, self.label, None, unit, self.needs_input, target.pk, _return_detail(target))

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"note": data.get("note", "")}


class ApproveReturn(ReturnDecision):
    name = "approve_return"
    label = "同意退单"
    success = "已同意退单。"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> ReturnRequest:
        return returns.approve_return(target, actor=actor, **inputs)


class RefuseReturn(ReturnDecision):
    name = "refuse_return"
    label = "驳回退单"
    success = "已驳回退单申请，原单位继续办理。"
    approve = False

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> ReturnRequest:
        return returns.refuse_return(target, actor=actor, **inputs)


class ExtensionDecision(CaseAction):
    """批准/驳回 a 延期 request (the target)."""

    target = "extension_request"
    approve = True

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        require_dispatcher(actor, case, "审核延期")
        require_pending(target, "延期")
        if self.approve:
            require_state("decide_extension", case.status)

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        detail = f"申请延期{target.working_days}个工作日：{target.reason}（{target.requested_by_label}）"
        return ActionOption(self.name, self.label, None, "", self.needs_input, target.pk, detail)


class ApproveExtension(ExtensionDecision):
    name = "approve_extension"
    label = "批准延期"
    needs_input = "extension_decision"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> ExtensionRequest:
        return extensions.approve_extension(target, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"working_days": data.get("working_days"), "note": data.get("note", "")}

    def success_message(self, result: ExtensionRequest) -> str:
        return f"已批准延期{result.approved_working_days}个工作日。"


class RefuseExtension(ExtensionDecision):
    name = "refuse_extension"
    label = "驳回延期"
    needs_input = "note"
    success = "已驳回延期申请。"
    approve = False

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> ExtensionRequest:
        return extensions.refuse_extension(target, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"note": data.get("note", "")}


class SetPriority(CaseAction):
    name = "set_priority"
    label = "设定优先级"
    needs_input = "priority"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        require_dispatcher(actor, case, "设定优先级")
        if not case.is_open:
            raise InvalidTransition(f"工单当前状态为“{case.get_status_display()}”，不能再设定优先级。")

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.set_priority(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"priority": data.get("priority")}

    def success_message(self, result: Case) -> str:
        return f"已设定优先级：{result.priority.name}。" if result.priority is not None else "已取消优先级。"


class Merge(DispatcherAction):
    """合并 into an open case; the target case's own checks are the workflow's (it locks both)."""

    name = "merge"
    label = "合并到已有工单"
    verb = "合并工单"
    needs_input = "merge"

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.merge_case(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        into = (data.get("into_ticket") or data.get("into") or "").strip()
        if not into:
            raise CaseValidationError([FieldProblem("into", "required", "请选择要合并到的工单，或输入工单号。")])
        if not data.get("confirm"):
            raise CaseValidationError([FieldProblem("confirm", "required", "请勾选“确认合并”后再提交。")])
        return {"into": into, "note": data.get("note", "")}

    def success_message(self, result: Case) -> str:
        into = result.merged_into
        assert into is not None  # set by the merge
        return f"已合并到工单{into.ticket_number}。"
