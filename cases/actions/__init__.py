"""Case actions, one class per action, and the registry every surface goes through.

The workbench buttons (:func:`available_actions`), the admin action view, the GraphQL
mutations and the resident pages look actions up here; the workflow functions in
``cases.services`` run the same ``check`` under the row lock (:func:`check_action`).
See docs/adr/0005-case-actions.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import Assignment, Case
from ..permissions import Actor
from .base import ActionContext, ActionOption, CaseAction, as_actor
from .dispatching import (
    ApproveExtension,
    ApproveReturn,
    Close,
    ManualDispatch,
    Merge,
    RecordCallback,
    Redispatch,
    RefuseExtension,
    RefuseReturn,
    Reopen,
    SetPriority,
)
from .handling import GiveFeedback, PauseCase, RequestExtension, Resolve, ResumeCase, Start
from .units import Acknowledge, AssignmentFeedback, ReturnAssignment

__all__ = [
    "ACTIONS",
    "ActionContext",
    "ActionOption",
    "CaseAction",
    "available_actions",
    "check_action",
    "get_action",
]

# In the order the workbench shows the buttons.
ACTIONS: dict[str, CaseAction] = {
    action.name: action
    for action in (
        Acknowledge(),
        ReturnAssignment(),
        AssignmentFeedback(),
        Start(),
        GiveFeedback(),
        Resolve(),
        RequestExtension(),
        ResumeCase(),
        PauseCase(),
        ManualDispatch(),
        Redispatch(),
        RecordCallback(),
        Reopen(),
        Close(),
        ApproveReturn(),
        RefuseReturn(),
        ApproveExtension(),
        RefuseExtension(),
        SetPriority(),
        Merge(),
    )
}


def get_action(name: str) -> CaseAction | None:
    return ACTIONS.get(name)


def check_action(name: str, actor: Any, case: Case, target: Any = None, *, now: datetime | None = None) -> Actor:
    """Run one action's check (the workflows call this with the case locked); returns the actor."""
    who = as_actor(actor)
    ACTIONS[name].check(who, case, target, context=ActionContext(case, now=now))
    return who


def available_actions(
    case: Case, actor: Actor, assignments: list[Assignment] | None = None, now: datetime | None = None
) -> list[ActionOption]:
    """Exactly the actions whose check passes for this actor on this case now, as buttons.

    Assignment actions come first, unit by unit, then the case's own actions in registry order.
    """
    if actor.user is None:
        return []
    context = ActionContext(case, now=now, assignments=assignments)
    per_assignment = [a for a in ACTIONS.values() if a.target == "assignment"]
    options: list[ActionOption] = [
        action.option(actor, context, assignment)
        for assignment in context.assignments
        for action in per_assignment
        if action.allows(actor, case, assignment, context=context)
    ]
    for action in ACTIONS.values():
        if action.target == "assignment":
            continue
        options += [
            action.option(actor, context, target)
            for target in action.targets(context)
            if action.allows(actor, case, target, context=context)
        ]
    return options
