"""Read side of the staff workbench: listing filters, the buttons a user may press, the whistle board.

Only reads; every button posts to a view that calls ``cases.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cms.models import HandlingPolicy

from .extensions import remaining_extension_days
from .models import (
    OPEN_STATUSES,
    Assignment,
    CardColour,
    Case,
    CaseStatus,
    DeadlineCard,
    ExtensionRequest,
    ReturnRequest,
    Satisfaction,
)
from .pauses import remaining_pause_days
from .permissions import Actor, acts_for, can_dispatch
from .returns import return_window_end
from .transitions import TRANSITIONS

DUE_SOON = timedelta(hours=24)


def overdue_q(now: datetime) -> Q:
    """Open cases with a deadline passed unmet (报到, 反馈 or 办结); a paused case is not counted."""
    late_ack = Assignment.objects.filter(
        case=OuterRef("pk"), active=True, acknowledged_at__isnull=True, ack_due__lt=now
    )
    return Q(status__in=OPEN_STATUSES, paused_at__isnull=True) & (
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
    return Q(status__in=OPEN_STATUSES, paused_at__isnull=True) & (
        Q(complete_due__gte=now, complete_due__lte=soon, resolved_at__isnull=True)
        | Q(feedback_due__gte=now, feedback_due__lte=soon, feedback_at__isnull=True)
        | Exists(ack_soon)
    )


def pending_approval_q() -> Q:
    """Cases with a late 退单 or a 延期 waiting for the subdistrict's decision (待审批)."""
    returns = ReturnRequest.objects.filter(case=OuterRef("pk"), state=ReturnRequest.State.PENDING)
    extensions = ExtensionRequest.objects.filter(case=OuterRef("pk"), state=ExtensionRequest.State.PENDING)
    return Exists(returns) | Exists(extensions)


def _card(colour: str) -> Exists:
    return Exists(DeadlineCard.objects.filter(case=OuterRef("pk"), cycle=OuterRef("cycle"), colour=colour))


def card_q(colour: str) -> Q:
    """Cases whose current round carries this card as its worst: 红牌, or 黄牌 and no 红牌 (yet)."""
    if colour == CardColour.RED:
        return Q(_card(CardColour.RED))
    return Q(_card(CardColour.YELLOW)) & ~Q(_card(CardColour.RED))


def with_cards(qs: QuerySet[Case]) -> QuerySet[Case]:
    """``red_card`` / ``yellow_card`` flags of the current round, for the badges."""
    return qs.annotate(red_card=_card(CardColour.RED), yellow_card=_card(CardColour.YELLOW))


def filter_cases(
    qs: QuerySet[Case],
    *,
    now: datetime,
    status: str = "",
    pending_approval: bool = False,
    overdue: bool = False,
    due_soon: bool = False,
    whistle: bool = False,
    category: str = "",
    query: str = "",
    card: str = "",
    duplicate: bool = False,
) -> QuerySet[Case]:
    if status:
        qs = qs.filter(status=status)
    if pending_approval:
        qs = qs.filter(pending_approval_q())
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
    if card:
        qs = qs.filter(card_q(card))
    if query:
        qs = qs.filter(Q(ticket_number__icontains=query) | Q(text__icontains=query) | Q(address__icontains=query))
    return qs


def listing_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a listing row shows, in a fixed number of queries."""
    return with_cards(
        qs.select_related("category__parent", "grid", "subdistrict", "lead_department", "priority")
    ).annotate(
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
    request_id: int | None = None  # the 退单 or 延期 request a decision button is about
    detail: str = ""


def available_actions(
    case: Case, actor: Actor, assignments: list[Assignment] | None = None, now: datetime | None = None
) -> list[ActionOption]:
    """The transitions this actor may take on this case now (the same checks the services make)."""
    if actor.user is None:
        return []
    now = now or timezone.now()
    assignments = assignments if assignments is not None else list(case.assignments.select_related("department"))
    options: list[ActionOption] = []
    status = case.status
    policy = HandlingPolicy.load()
    pending_returns = list(
        ReturnRequest.objects.filter(case=case, state=ReturnRequest.State.PENDING).order_by("requested_at", "id")
    )
    pending_extension = (
        ExtensionRequest.objects.filter(case=case, state=ExtensionRequest.State.PENDING).order_by("id").first()
    )
    returning = {r.assignment_id for r in pending_returns}
    by_id = {a.pk: a for a in assignments}

    def allowed(name: str) -> bool:
        return status in TRANSITIONS[name].sources

    lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
    for a in assignments:
        if not a.active or not acts_for(actor, a, case):
            continue
        if a.acknowledged_at is None and allowed("acknowledge"):
            options.append(ActionOption("acknowledge", "报到", a.pk, a.unit_label))
        if allowed("return_assignment") and a.pk not in returning:
            end = return_window_end(a, policy)
            if now <= end:
                label, detail = "退单", f"可在{timezone.localtime(end):%Y-%m-%d %H:%M}前自行退单"
            else:
                label, detail = "申请退单", "已超过自行退单时限，退单须经街道（镇）审核同意"
            options.append(ActionOption("return_assignment", label, a.pk, a.unit_label, "return", detail=detail))
        if a.role == Assignment.Role.CO and a.acknowledged_at and allowed("assignment_feedback"):
            options.append(ActionOption("assignment_feedback", "协办反馈", a.pk, a.unit_label, "text"))
    is_lead = lead is not None and acts_for(actor, lead, case)
    dispatcher = can_dispatch(actor, case)
    if is_lead:
        running = not case.is_paused
        if lead.acknowledged_at and allowed("start") and running:
            options.append(ActionOption("start", "开始办理"))
        if allowed("give_feedback") and running:
            options.append(ActionOption("give_feedback", "反馈", needs_input="text"))
        if allowed("resolve") and running:
            options.append(ActionOption("resolve", "办结", needs_input="text"))
        remaining = remaining_extension_days(case, policy)
        if (
            allowed("request_extension")
            and lead.acknowledged_at
            and pending_extension is None
            and case.complete_due is not None
            and now <= case.complete_due
            and remaining > 0
        ):
            detail = f"办结时限前申请，最多还可延期{remaining}个工作日"
            options.append(ActionOption("request_extension", "申请延期", needs_input="extension", detail=detail))
    if (is_lead or dispatcher) and allowed("pause") and lead is not None:
        if case.is_paused:
            detail = f"挂起理由：{case.pause_reason}"
            options.append(ActionOption("resume_case", "恢复办理", needs_input="note", detail=detail))
        elif lead.acknowledged_at and remaining_pause_days(case, policy) > 0:
            detail = f"挂起期间不计办理时间，本案还可挂起{remaining_pause_days(case, policy)}个工作日"
            options.append(ActionOption("pause_case", "挂起", needs_input="pause", detail=detail))
    if dispatcher:
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
        for r in pending_returns:
            unit = by_id[r.assignment_id].unit_label if r.assignment_id in by_id else ""
            detail = (
                f"{r.reason}：{r.note}（{timezone.localtime(r.requested_at):%Y-%m-%d %H:%M} {r.requested_by_label}）"
            )
            if allowed("decide_return"):
                options.append(ActionOption("approve_return", "同意退单", None, unit, "note", r.pk, detail))
            options.append(ActionOption("refuse_return", "驳回退单", None, unit, "note", r.pk, detail))
        if pending_extension is not None:
            e = pending_extension
            detail = f"申请延期{e.working_days}个工作日：{e.reason}（{e.requested_by_label}）"
            if allowed("decide_extension"):
                options.append(
                    ActionOption("approve_extension", "批准延期", None, "", "extension_decision", e.pk, detail)
                )
            options.append(ActionOption("refuse_extension", "驳回延期", None, "", "note", e.pk, detail))
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
        with_cards(qs.filter(whistle=True, status__in=OPEN_STATUSES))
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
CARD_CHOICES = [("", "全部"), *CardColour.choices]
