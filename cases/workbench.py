"""Read side of the staff workbench: listing filters, the buttons a user may press, the whistle board.

Only reads; every button posts to a view that calls ``cases.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from .models import OPEN_STATUSES, Assignment, Case, CaseStatus, Satisfaction
from .permissions import Actor, acts_for, can_dispatch
from .transitions import TRANSITIONS

DUE_SOON = timedelta(hours=24)


def overdue_q(now: datetime) -> Q:
    """Open cases with a deadline passed unmet (报到, 反馈 or 办结)."""
    late_ack = Assignment.objects.filter(
        case=OuterRef("pk"), active=True, acknowledged_at__isnull=True, ack_due__lt=now
    )
    return Q(status__in=OPEN_STATUSES) & (
        Q(complete_due__lt=now, resolved_at__isnull=True)
        | Q(feedback_due__lt=now, feedback_at__isnull=True)
        | Exists(late_ack)
    )


def due_soon_q(now: datetime) -> Q:
    """Open cases with a 报到, feedback or completion deadline within the next 24 hours."""
    soon = now + DUE_SOON
    ack_soon = Assignment.objects.filter(
        case=OuterRef("pk"), active=True, acknowledged_at__isnull=True, ack_due__gte=now, ack_due__lte=soon
    )
    return Q(status__in=OPEN_STATUSES) & (
        Q(complete_due__gte=now, complete_due__lte=soon, resolved_at__isnull=True)
        | Q(feedback_due__gte=now, feedback_due__lte=soon, feedback_at__isnull=True)
        | Exists(ack_soon)
    )


def filter_cases(
    qs: QuerySet[Case],
    *,
    now: datetime,
    status: str = "",
    overdue: bool = False,
    due_soon: bool = False,
    whistle: bool = False,
    category: str = "",
    query: str = "",
    duplicate: bool = False,
) -> QuerySet[Case]:
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(now))
    if due_soon:
        qs = qs.filter(due_soon_q(now))
    if whistle:
        qs = qs.filter(whistle=True)
    if duplicate:
        qs = qs.filter(possible_duplicate_of__isnull=False, status__in=OPEN_STATUSES)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if query:
        qs = qs.filter(Q(ticket_number__icontains=query) | Q(text__icontains=query) | Q(address__icontains=query))
    return qs


def listing_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a listing row shows, in a fixed number of queries."""
    return qs.select_related("category__parent", "grid", "subdistrict", "lead_department", "priority").annotate(
        pending_acks=Count("assignments", filter=Q(assignments__active=True, assignments__acknowledged_at__isnull=True))
    )


@dataclass(frozen=True)
class ActionOption:
    """One button: a transition, possibly for one assignment, and the input it needs."""

    name: str
    label: str
    assignment_id: int | None = None
    unit_label: str = ""
    needs_input: str = ""


def available_actions(case: Case, actor: Actor, assignments: list[Assignment] | None = None) -> list[ActionOption]:
    """The transitions this actor may take on this case now (the same checks the services make)."""
    if actor.user is None:
        return []
    assignments = assignments if assignments is not None else list(case.assignments.select_related("department"))
    options: list[ActionOption] = []
    status = case.status

    def allowed(name: str) -> bool:
        return status in TRANSITIONS[name].sources

    lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
    for a in assignments:
        if not a.active or not acts_for(actor, a, case):
            continue
        if a.acknowledged_at is None and allowed("acknowledge"):
            options.append(ActionOption("acknowledge", "报到", a.pk, a.unit_label))
        if allowed("return_assignment"):
            options.append(ActionOption("return_assignment", "退单", a.pk, a.unit_label, "reason"))
        if a.role == Assignment.Role.CO and a.acknowledged_at and allowed("assignment_feedback"):
            options.append(ActionOption("assignment_feedback", "协办反馈", a.pk, a.unit_label, "text"))
    if lead is not None and acts_for(actor, lead, case):
        if lead.acknowledged_at and allowed("start"):
            options.append(ActionOption("start", "开始办理"))
        if allowed("give_feedback"):
            options.append(ActionOption("give_feedback", "反馈", needs_input="text"))
        if allowed("resolve"):
            options.append(ActionOption("resolve", "办结", needs_input="text"))
    if can_dispatch(actor, case):
        if allowed("manual_dispatch"):
            options.append(ActionOption("manual_dispatch", "人工派单", needs_input="dispatch"))
        if allowed("redispatch"):
            options.append(ActionOption("redispatch", "改派", needs_input="dispatch"))
        if allowed("record_callback"):
            options.append(ActionOption("record_callback", "回访", needs_input="satisfaction"))
        if allowed("reopen") and case.satisfaction == Satisfaction.UNSATISFIED:
            options.append(ActionOption("reopen", "重新办理", needs_input="reason"))
        if allowed("close"):
            options.append(ActionOption("close", "结案"))
        if case.is_open:
            options.append(ActionOption("set_priority", "设定优先级", needs_input="priority"))
        if allowed("merge"):
            options.append(ActionOption("merge", "合并到已有工单", needs_input="merge"))
    return options


@dataclass(frozen=True)
class BoardCell:
    unit_label: str
    role_label: str
    state: str  # pending / late / acknowledged / late_acknowledged / returned / feedback
    state_label: str
    at: datetime | None


def whistle_board(qs: QuerySet[Case], now: datetime) -> list[tuple[Case, list[BoardCell]]]:
    """Open whistle cases, each with every department's report-in status."""
    cases = (
        qs.filter(whistle=True, status__in=OPEN_STATUSES)
        .select_related("subdistrict", "category")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("department").order_by("-role", "id"))
        )
        .order_by("ack_due", "id")
    )
    board = []
    for case in cases:
        cells = []
        for a in case.assignments.all():
            if not a.active:
                state, label, moment = "returned", "已退单", a.returned_at
            elif a.acknowledged_at is None:
                late = a.ack_due is not None and now > a.ack_due
                state, label, moment = ("late", "逾期未报到", a.ack_due) if late else ("pending", "待报到", a.ack_due)
            elif a.feedback_at is not None:
                state, label, moment = "feedback", "已反馈", a.feedback_at
            else:
                late = a.ack_due is not None and a.acknowledged_at > a.ack_due
                state, label = ("late_acknowledged", "超时报到") if late else ("acknowledged", "已报到")
                moment = a.acknowledged_at
            cells.append(BoardCell(a.unit_label, a.get_role_display(), state, label, moment))
        board.append((case, cells))
    return board


STATUS_CHOICES = [("", "全部状态"), *CaseStatus.choices]
