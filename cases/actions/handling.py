"""Actions of the lead unit while it handles a case: 开始办理, 反馈, 办结, 申请延期, and 挂起/恢复办理
(which the subdistrict may also take)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import extensions, pauses, services
from ..errors import InvalidTransition
from ..models import Case, ExtensionRequest
from ..permissions import Actor
from ..services.steps import fmt_moment
from ..transitions import require_state
from .base import ActionContext, ActionOption, CaseAction, context_for
from .rules import require_lead_or_dispatcher, require_lead_unit, require_running


class Start(CaseAction):
    name = "start"
    label = "开始办理"
    success = "已开始办理。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        lead = require_lead_unit(actor, context_for(case, context), "开始办理")
        require_state("start", case.status)
        require_running(case, "开始办理")
        if lead.acknowledged_at is None:
            raise InvalidTransition("主办单位尚未报到，请先报到再开始办理。")

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.start(case, actor=actor, **inputs)


class GiveFeedback(CaseAction):
    name = "give_feedback"
    label = "反馈"
    needs_input = "text"
    success = "已反馈。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        require_lead_unit(actor, context_for(case, context), "反馈")
        require_state("give_feedback", case.status)
        require_running(case, "反馈")

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.give_feedback(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": data.get("text", "")}


class Resolve(CaseAction):
    """办结, once every unit still on the case has reported in."""

    name = "resolve"
    label = "办结"
    needs_input = "text"
    success = "已办结。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        context = context_for(case, context)
        require_lead_unit(actor, context, "办结")
        require_state("resolve", case.status)
        require_running(case, "办结")
        missing = [a.unit_label for a in context.assignments if a.active and a.acknowledged_at is None]
        if missing:
            raise InvalidTransition(f"{'、'.join(missing)}尚未报到，全部承办单位报到后才能办结。")

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return services.resolve(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"resolution": data.get("text", "")}


class RequestExtension(CaseAction):
    """申请延期, before the completion deadline and within the policy's cap."""

    name = "request_extension"
    label = "申请延期"
    needs_input = "extension"
    success = "延期申请已提交，等待审核。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        context = context_for(case, context)
        lead = require_lead_unit(actor, context, "申请延期")
        require_state("request_extension", case.status)
        if lead.acknowledged_at is None:
            raise InvalidTransition("主办单位报到后才能申请延期。")
        if case.complete_due is None:
            raise InvalidTransition("工单尚无办结时限，无需申请延期。")
        if context.now > case.complete_due:
            raise InvalidTransition(
                f"办结时限（{fmt_moment(case.complete_due)}）已过，不能再申请延期；延期须在办结时限前申请。",
                code="extension_too_late",
            )
        if extensions.remaining_extension_days(case, context.policy) == 0:
            raise InvalidTransition(
                f"本工单已累计批准延期{case.extended_working_days}个工作日，"
                f"达到{context.policy.extension_max_working_days}个工作日上限，不能再申请。",
                code="extension_cap_reached",
            )
        if context.pending_extension is not None:
            raise InvalidTransition("本工单已有延期申请正在等待审核，请勿重复提交。", code="extension_pending")

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        remaining = extensions.remaining_extension_days(context.case, context.policy)
        detail = f"办结时限前申请，最多还可延期{remaining}个工作日"
        return ActionOption(self.name, self.label, needs_input=self.needs_input, detail=detail)

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> ExtensionRequest:
        return extensions.request_extension(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"working_days": data.get("working_days"), "reason": data.get("reason", "")}


class PauseCase(CaseAction):
    """挂起: the clock stops, with a reason from the policy and within its cap."""

    name = "pause_case"
    label = "挂起"
    needs_input = "pause"
    success = "工单已挂起，挂起期间不计办理时间。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        context = context_for(case, context)
        require_lead_or_dispatcher(actor, context, "挂起工单")
        require_state("pause", case.status)
        if case.is_paused:
            raise InvalidTransition(f"工单已于{fmt_moment(case.paused_at)}挂起，无需重复挂起。", code="already_paused")
        if context.lead is None or context.lead.acknowledged_at is None:
            raise InvalidTransition("主办单位报到后才能挂起工单。")
        if pauses.remaining_pause_days(case, context.policy) == 0:
            raise InvalidTransition(
                f"本工单已累计挂起{case.paused_working_days}个工作日，"
                f"达到{context.policy.pause_max_working_days}个工作日上限，不能再挂起。",
                code="pause_cap_reached",
            )

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        remaining = pauses.remaining_pause_days(context.case, context.policy)
        detail = f"挂起期间不计办理时间，本案还可挂起{remaining}个工作日"
        return ActionOption(self.name, self.label, needs_input=self.needs_input, detail=detail)

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return pauses.pause_case(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"reason_code": data.get("pause_reason", ""), "note": data.get("note", "")}


class ResumeCase(CaseAction):
    name = "resume_case"
    label = "恢复办理"
    needs_input = "note"
    success = "已恢复办理，未到期的时限已顺延。"

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        require_lead_or_dispatcher(actor, context_for(case, context), "恢复办理")
        if not case.is_paused:
            raise InvalidTransition("工单未挂起，无需恢复办理。", code="not_paused")

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        detail = f"挂起理由：{context.case.pause_reason}"
        return ActionOption(self.name, self.label, needs_input=self.needs_input, detail=detail)

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Case:
        return pauses.resume_case(case, actor=actor, **inputs)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"note": data.get("note", "")}
