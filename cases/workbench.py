"""Read side of the staff workbench: listing filters and the whistle board.

The buttons a user may press are ``cases.actions.available_actions``, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from .actions import ActionOption as ActionOption  # the workbench's buttons, re-exported
from .actions import available_actions as available_actions
from .models import (
    OPEN_STATUSES,
    Assignment,
    CardColour,
    Case,
    CaseStatus,
    DeadlineCard,
    Escalation,
    ExtensionRequest,
    ReturnRequest,
)

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
class BoardCell:
    unit_label: str
    role_label: str
    state: str  # pending / late / acknowledged / late_acknowledged / returned / feedback
    state_label: str
    at: datetime | None
    ack_due: datetime | None = None


@dataclass(frozen=True)
class BoardRow:
    """One whistle case on the board: its units, its deadlines (on ``case``) and the level reached."""

    case: Case
    cells: list[BoardCell]
    level_name: str


def _cell(a: Assignment, now: datetime) -> BoardCell:
    # The status, not ``feedback_at``: a reopened case puts its units back to 已报到 but keeps the old timestamp.
    if not a.active:
        state, label, moment = "returned", "已退单", a.returned_at
    elif a.acknowledged_at is None:
        late = a.ack_due is not None and now > a.ack_due
        state, label, moment = ("late", "逾期未报到", a.ack_due) if late else ("pending", "待报到", a.ack_due)
    elif a.status == Assignment.Status.FEEDBACK:
        state, label, moment = "feedback", "已反馈", a.feedback_at
    else:
        late = a.ack_due is not None and a.acknowledged_at > a.ack_due
        state, label = ("late_acknowledged", "超时报到") if late else ("acknowledged", "已报到")
        moment = a.acknowledged_at
    return BoardCell(a.unit_label, a.get_role_display(), state, label, moment, a.ack_due)


def whistle_board(qs: QuerySet[Case], now: datetime) -> list[BoardRow]:
    """Open whistle cases, each with every unit's live report-in status, deadline and the level reached."""
    cases = (
        with_cards(qs.filter(whistle=True, status__in=OPEN_STATUSES))
        .select_related("subdistrict", "category")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("department").order_by("-role", "id")),
            Prefetch("escalations", queryset=Escalation.objects.order_by("level")),
        )
        .order_by("ack_due", "id")
    )
    board = []
    for case in cases:
        reached = [e for e in case.escalations.all() if e.level == case.escalation_level]
        level_name = reached[0].name if reached else ""
        board.append(BoardRow(case, [_cell(a, now) for a in case.assignments.all()], level_name))
    return board


STATUS_CHOICES = [("", "全部状态"), *CaseStatus.choices]
CARD_CHOICES = [("", "全部"), *CardColour.choices]


QUEUE_PREVIEW = 5


@dataclass(frozen=True)
class QueueGroup:
    key: str
    label: str
    count: int
    cases: list[Case]
    link: str  # query string for the case listing
    empty: str


def department_queue(department_id: int, now: datetime) -> list[QueueGroup]:
    """A department's home-page queue: new, due soon, overdue, and its 退单/延期 awaiting a decision.

    One aggregate for the counts and one query per group for the first few cases, whatever the size.
    """
    mine = Assignment.objects.filter(case=OuterRef("pk"), department_id=department_id, active=True)
    new = Q(status__in=OPEN_STATUSES) & Q(
        Exists(mine.filter(acknowledged_at__isnull=True).filter(Q(ack_due__isnull=True) | Q(ack_due__gte=now)))
    )
    requests = Q(
        Exists(
            ReturnRequest.objects.filter(
                case=OuterRef("pk"), state=ReturnRequest.State.PENDING, assignment__department_id=department_id
            )
        )
    ) | Q(
        Exists(
            ExtensionRequest.objects.filter(
                case=OuterRef("pk"), state=ExtensionRequest.State.PENDING, assignment__department_id=department_id
            )
        )
    )
    groups = [
        ("new", "新派单待报到", new, "status=dispatched", "没有待报到的新派单。"),
        ("due_soon", "即将到期", due_soon_q(now), "due_soon=on", "24小时内没有到期的时限。"),
        ("overdue", "已超期", overdue_q(now), "overdue=on", "没有超期工单，请继续保持。"),
        ("requests", "待决定的退单/延期", requests, "pending_approval=on", "没有等待街道决定的退单或延期申请。"),
    ]
    base = Case.objects.filter(Exists(mine))
    counts = base.aggregate(**{key: Count("pk", filter=q) for key, _, q, _, _ in groups})
    preview = base.select_related("category").order_by("complete_due", "id")
    return [
        QueueGroup(key, label, counts[key], list(preview.filter(q)[:QUEUE_PREVIEW]) if counts[key] else [], link, empty)
        for key, label, q, link, empty in groups
    ]
