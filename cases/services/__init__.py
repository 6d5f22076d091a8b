"""Case workflows, one function per transition, used by every channel, view, command and the API.

Split by job: ``intake`` (validate and store), ``dispatching`` (the engine's decision, 人工派单,
改派), ``handling`` (报到 to 结案, merging, priority) and ``lookup`` (a resident's own case);
``steps`` holds what they share (lock, record an event, save and reschedule). Each function locks
the case row (``select_for_update``; the case is always locked before its assignments), runs the
action's check from ``cases.actions``, then changes everything inside one transaction. Side
effects (tasks, e-mail) run after commit. Errors are ``cases.errors``.
"""

from __future__ import annotations

from ..escalation import escalate_if_overdue, sweep_overdue
from ..limits import KEY_RE, PHONE_RE, TEXT_MAX
from ..permissions import visible_cases
from ..submission import CaseSubmission, validate_submission
from .dispatching import (
    address_history,
    calendar_of,
    decide_and_dispatch,
    dispatch,
    manual_dispatch,
    redispatch,
    routing_request,
    set_policy_deadlines,
)
from .handling import (
    acknowledge,
    close,
    give_assignment_feedback,
    give_feedback,
    merge_case,
    record_callback,
    reopen,
    resolve,
    return_assignment,
    set_priority,
    start,
)
from .intake import SubmitResult, next_ticket_number, submit_case
from .lookup import find_case_for_resident

__all__ = [
    "KEY_RE",
    "PHONE_RE",
    "TEXT_MAX",
    "CaseSubmission",
    "SubmitResult",
    "acknowledge",
    "address_history",
    "calendar_of",
    "close",
    "decide_and_dispatch",
    "dispatch",
    "escalate_if_overdue",
    "find_case_for_resident",
    "give_assignment_feedback",
    "give_feedback",
    "manual_dispatch",
    "merge_case",
    "next_ticket_number",
    "record_callback",
    "redispatch",
    "reopen",
    "resolve",
    "return_assignment",
    "routing_request",
    "set_policy_deadlines",
    "set_priority",
    "start",
    "submit_case",
    "sweep_overdue",
    "validate_submission",
    "visible_cases",
]
