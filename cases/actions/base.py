"""The shape of a case action: ``check`` says whether an actor may take it now, ``execute`` takes it.

As in Wagtail's ``wagtail/actions/``: the check raises a typed ``CaseError`` and is the only place
the rule is written. The workbench offers a button exactly when the check passes; the workflow
function in ``cases.services`` runs the same check again with the case row locked, so a change
made between showing the button and pressing it is still refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from cms.models import HandlingPolicy

from ..errors import CaseError
from ..models import Assignment, Case, ExtensionRequest, ReturnRequest
from ..permissions import Actor, actor_for
from ..services.steps import fmt_moment


@dataclass(frozen=True)
class ActionOption:
    """One button: an action, possibly for one assignment or request, and the input it needs."""

    name: str
    label: str
    assignment_id: int | None = None
    unit_label: str = ""
    needs_input: str = ""
    request_id: int | None = None  # the 退单 or 延期 request a decision button is about
    detail: str = ""


class ActionContext:
    """What the checks read about one case, each fact loaded at most once (no queries per button)."""

    def __init__(
        self,
        case: Case,
        *,
        now: datetime | None = None,
        assignments: Sequence[Assignment] | None = None,
        policy: HandlingPolicy | None = None,
    ) -> None:
        self.case = case
        self.now = now or timezone.now()
        if assignments is not None:
            self.assignments = list(assignments)
        if policy is not None:
            self.policy = policy

    @cached_property
    def assignments(self) -> list[Assignment]:
        return list(self.case.assignments.select_related("department", "acknowledgement").order_by("-role", "id"))

    @cached_property
    def lead(self) -> Assignment | None:
        return next((a for a in self.assignments if a.active and a.role == Assignment.Role.LEAD), None)

    @cached_property
    def policy(self) -> HandlingPolicy:
        policy: HandlingPolicy = HandlingPolicy.load()  # Wagtail settings are untyped
        return policy

    @cached_property
    def pending_returns(self) -> list[ReturnRequest]:
        return list(
            ReturnRequest.objects.filter(case=self.case, state=ReturnRequest.State.PENDING).order_by(
                "requested_at", "id"
            )
        )

    @cached_property
    def pending_extension(self) -> ExtensionRequest | None:
        return (
            ExtensionRequest.objects.filter(case=self.case, state=ExtensionRequest.State.PENDING).order_by("id").first()
        )


def as_actor(actor: Any) -> Actor:
    return actor if isinstance(actor, Actor) else actor_for(actor)


def already_acknowledged_message(assignment: Assignment) -> str:
    """Who reported in and when, from the prefetched 报到 record when there is one."""
    try:
        ack = assignment.acknowledgement
    except ObjectDoesNotExist:
        ack = None
    if ack is None:
        return f"“{assignment.unit_label}”已报到，无需重复报到。"
    return f"“{assignment.unit_label}”已于{fmt_moment(ack.at)}由{ack.by_label or '本单位人员'}报到，无需重复报到。"


class CaseAction:
    """One thing a person (or a partner system) can do to a case.

    ``target`` says what a button is about besides the case: nothing, one of the case's
    assignments (报到, 退单, 协办反馈) or one pending request (审核退单, 审核延期).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    needs_input: ClassVar[str] = ""
    target: ClassVar[str] = "case"  # "case", "assignment", "return_request" or "extension_request"
    success: ClassVar[str] = ""

    def check(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> None:
        """Raise a ``CaseError`` saying why ``actor`` may not take this action now; return if they may."""
        raise NotImplementedError

    def allows(self, actor: Actor, case: Case, target: Any = None, *, context: ActionContext | None = None) -> bool:
        try:
            self.check(actor, case, target, context=context)
        except CaseError:
            return False
        return True

    def execute(self, actor: Any, case: Case, target: Any = None, **inputs: Any) -> Any:
        """Take the action through its workflow function, which checks again under the row lock."""
        raise NotImplementedError

    # --- the workbench side

    def targets(self, context: ActionContext) -> Sequence[Any]:
        """What a button may be about on this case (each is checked before it is offered)."""
        if self.target == "assignment":
            return context.assignments
        if self.target == "return_request":
            return context.pending_returns
        if self.target == "extension_request":
            return [context.pending_extension] if context.pending_extension else []
        return [None]

    def option(self, actor: Actor, context: ActionContext, target: Any = None) -> ActionOption:
        """The button for an allowed action; subclasses add the detail line."""
        if isinstance(target, Assignment):
            return ActionOption(self.name, self.label, target.pk, target.unit_label, self.needs_input)
        return ActionOption(self.name, self.label, needs_input=self.needs_input)

    def inputs_from_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The workflow's keyword arguments from the workbench form's cleaned data."""
        return {}

    def success_message(self, result: Any) -> str:
        return self.success


def context_for(case: Case, context: ActionContext | None) -> ActionContext:
    return context if context is not None and context.case is case else ActionContext(case)
