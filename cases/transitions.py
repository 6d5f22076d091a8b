"""The state machine as data: each transition names its source states, target and who may take it.

Services consult this table before they change anything; the workbench reads it to decide
which buttons to show. Assignment-level actions (报到, 退单, 协办反馈) depend on the unit
the user belongs to and are listed per assignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidTransition
from .models import OPEN_STATUSES, CaseStatus

S = CaseStatus

# Who may take a transition: the system, the dispatcher/supervisor side, the lead unit, any assigned unit.
SYSTEM = "system"
DISPATCHER = "dispatcher"
LEAD_UNIT = "lead_unit"
ASSIGNED_UNIT = "assigned_unit"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (or is decided by the service, e.g. 报到 by the last unit)
    actors: frozenset[str]
    needs_input: str = ""  # the form field the workbench asks for, if any


# A case is being handled: the lead unit may ask for more time or stop the clock.
HANDLING = [S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.FEEDBACK, S.REOPENED]


def _t(name, label, sources, target, actors, needs_input=""):
    return Transition(name, label, frozenset(sources), target, frozenset(actors), needs_input)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("dispatch", "派单", [S.RECEIVED], S.DISPATCHED, [SYSTEM, DISPATCHER]),
        _t("queue_manual", "转人工派单", [S.RECEIVED], S.PENDING_DISPATCH, [SYSTEM]),
        _t("manual_dispatch", "人工派单", [S.PENDING_DISPATCH], S.DISPATCHED, [DISPATCHER], "dispatch"),
        _t(
            "acknowledge",
            "报到",
            [S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.FEEDBACK, S.REOPENED, S.RETURNED],
            None,
            [ASSIGNED_UNIT],
        ),
        _t("start", "开始办理", [S.DISPATCHED, S.ACKNOWLEDGED, S.REOPENED], S.IN_PROGRESS, [LEAD_UNIT]),
        _t("give_feedback", "反馈", [S.IN_PROGRESS], S.FEEDBACK, [LEAD_UNIT], "text"),
        _t(
            "assignment_feedback",
            "协办反馈",
            [S.ACKNOWLEDGED, S.IN_PROGRESS, S.FEEDBACK, S.REOPENED],
            None,
            [ASSIGNED_UNIT],
            "text",
        ),
        _t("resolve", "办结", [S.FEEDBACK], S.RESOLVED, [LEAD_UNIT], "text"),
        _t("record_callback", "回访", [S.RESOLVED], S.CALLBACK, [DISPATCHER], "satisfaction"),
        _t("close", "结案", [S.CALLBACK], S.CLOSED, [DISPATCHER]),
        _t("return_assignment", "退单", [S.DISPATCHED, S.ACKNOWLEDGED], None, [ASSIGNED_UNIT], "reason"),
        _t("redispatch", "改派", [S.RETURNED], S.DISPATCHED, [DISPATCHER], "dispatch"),
        _t("reopen", "重新办理", [S.CALLBACK], S.REOPENED, [DISPATCHER], "reason"),
        _t("decide_return", "审核退单", [S.DISPATCHED, S.ACKNOWLEDGED], None, [DISPATCHER], "decision"),
        _t("request_extension", "申请延期", HANDLING, None, [LEAD_UNIT], "extension"),
        _t("decide_extension", "审核延期", HANDLING, None, [DISPATCHER], "decision"),
        _t("pause", "挂起", HANDLING, None, [LEAD_UNIT, DISPATCHER], "pause"),
        _t("resume", "恢复办理", HANDLING, None, [LEAD_UNIT, DISPATCHER]),
        _t("merge", "合并工单", OPEN_STATUSES, S.MERGED, [DISPATCHER], "merge"),
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
