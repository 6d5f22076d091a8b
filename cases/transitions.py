"""The states each transition may start from: the one table ``require_state`` reads.

Who may take a transition and what else must hold is the action's ``check`` in ``cases.actions``;
where the case goes is the workflow function's job in ``cases.services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidTransition
from .models import OPEN_STATUSES, CaseStatus

S = CaseStatus


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]


# A case is being handled: the lead unit may ask for more time or stop the clock.
HANDLING = [S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.FEEDBACK, S.REOPENED]


def _t(name: str, label: str, sources: Iterable[str]) -> Transition:
    return Transition(name, label, frozenset(sources))


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("dispatch", "派单", [S.RECEIVED]),
        _t("manual_dispatch", "人工派单", [S.PENDING_DISPATCH]),
        _t("acknowledge", "报到", [S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.FEEDBACK, S.REOPENED, S.RETURNED]),
        _t("start", "开始办理", [S.DISPATCHED, S.ACKNOWLEDGED, S.REOPENED]),
        _t("give_feedback", "反馈", [S.IN_PROGRESS]),
        _t("assignment_feedback", "协办反馈", [S.ACKNOWLEDGED, S.IN_PROGRESS, S.FEEDBACK, S.REOPENED]),
        _t("resolve", "办结", [S.FEEDBACK]),
        _t("record_callback", "回访", [S.RESOLVED]),
        _t("close", "结案", [S.CALLBACK]),
        _t("return_assignment", "退单", [S.DISPATCHED, S.ACKNOWLEDGED]),
        _t("redispatch", "改派", [S.RETURNED]),
        _t("reopen", "重新办理", [S.CALLBACK]),
        _t("decide_return", "审核退单", [S.DISPATCHED, S.ACKNOWLEDGED]),
        _t("request_extension", "申请延期", HANDLING),
        _t("decide_extension", "审核延期", HANDLING),
        _t("pause", "挂起", HANDLING),
        _t("merge", "合并工单", OPEN_STATUSES),
    )
}


def require_state(name: str, status: str) -> Transition:
    """The transition, or InvalidTransition naming the current state and the ones that would allow it."""
    transition = TRANSITIONS[name]
    if status not in transition.sources:
        allowed = "、".join(s.label for s in CaseStatus if s in transition.sources)
        raise InvalidTransition(
            f"工单当前状态为“{CaseStatus(status).label}”，不能执行“{transition.label}”（仅在{allowed}状态下可以）。",
            code="invalid_transition",
        )
    return transition
