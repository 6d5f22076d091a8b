"""Who may act on a case: the checks several actions share, written once."""

from __future__ import annotations

from ..errors import CasePermissionDenied, InvalidTransition
from ..models import Assignment, Case
from ..permissions import Actor, acts_for, can_dispatch
from ..services.steps import require_dispatcher
from .base import ActionContext

__all__ = ["require_dispatcher", "require_lead_or_dispatcher", "require_lead_unit", "require_running"]


def require_lead_unit(actor: Actor, context: ActionContext, action: str) -> Assignment:
    lead = context.lead
    if lead is None or not acts_for(actor, lead, context.case):
        who = lead.unit_label if lead else "主办单位"
        raise CasePermissionDenied(f"只有主办单位“{who}”的办理人员可以{action}。")
    return lead


def require_lead_or_dispatcher(actor: Actor, context: ActionContext, action: str) -> None:
    lead, case = context.lead, context.case
    if can_dispatch(actor, case) or (lead is not None and acts_for(actor, lead, case)):
        return
    who = lead.unit_label if lead else "主办单位"
    raise CasePermissionDenied(f"只有主办单位“{who}”的办理人员或本街道（镇）调度员可以{action}。")


def require_running(case: Case, action: str) -> None:
    if case.is_paused:
        raise InvalidTransition(f"工单已挂起，请先恢复办理再{action}。", code="case_paused")
