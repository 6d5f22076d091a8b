"""考核: response, on-time completion, resolution and satisfaction per department and per subdistrict.

Definitions (over cases received, and assignments dispatched, in ``[start, end)``):

- response rate = assignments acknowledged by their 报到 deadline / assignments dispatched
- on-time completion rate = cases resolved by ``complete_due`` / cases resolved or already past due
- resolution rate = cases resolved (办结 or later) / cases
- satisfaction rate = (满意 + 基本满意) / cases rated
- mean handling time = mean of (resolved_at − received_at) over resolved cases, in hours

Counted by when they happened in the period (not by the case's receipt):

- returns = assignments returned (退单) by the unit
- extensions = approved extensions (批准延期 events on the unit's lead assignment), and their working days
- yellow / red cards = 黄牌 / 红牌 issued while the unit led the case
- supervision orders = 督办单 issued to the unit

Composite score (综合得分, 0–100) = 100 × the weighted mean of the four rates
(``COMPOSITE_WEIGHTS``: response 25 %, on-time completion 30 %, resolution 20 %,
satisfaction 25 %; a rate with no data leaves the mean and its weight is shared by the others)
− ``RED_CARD_DEDUCTION`` (2) points per red card − ``SUPERVISION_DEDUCTION`` (5) points per
supervision order, never below 0; None when no rate has data.

A department is scored on the cases it leads and on every assignment it received (lead or
co-handler); a subdistrict on the cases in its area. One grouped query per source (cases,
assignments, returns, extension events, cards, supervision orders) serves both dimensions,
each read from an index that covers it, so a year of a million cases stays within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from cms.models import Department, Subdistrict

from .escalation import local_zone
from .models import (
    Assignment,
    CardColour,
    Case,
    CaseEvent,
    DeadlineCard,
    EventKind,
    Satisfaction,
    SupervisionOrder,
)

RESOLVED = Q(resolved_at__isnull=False)

COMPOSITE_WEIGHTS = {"response_rate": 0.25, "on_time_rate": 0.30, "resolution_rate": 0.20, "satisfaction_rate": 0.25}
RED_CARD_DEDUCTION = 2.0
SUPERVISION_DEDUCTION = 5.0


@dataclass(frozen=True)
class ScoreRow:
    key: int
    name: str
    dispatched: int = 0
    acknowledged_in_time: int = 0
    cases: int = 0
    resolved: int = 0
    due_or_done: int = 0
    completed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    mean_handling_hours: float | None = None
    returns: int = 0
    extensions: int = 0
    extension_days: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    supervision_orders: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.acknowledged_in_time, self.dispatched)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.completed_on_time, self.due_or_done)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.cases)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def composite_score(self) -> float | None:
        rates = {name: getattr(self, name) for name in COMPOSITE_WEIGHTS}
        weights = {name: w for name, w in COMPOSITE_WEIGHTS.items() if rates[name] is not None}
        if not weights:
            return None
        base = 100 * sum(rates[name] * w for name, w in weights.items()) / sum(weights.values())
        deduction = RED_CARD_DEDUCTION * self.red_cards + SUPERVISION_DEDUCTION * self.supervision_orders
        return round(max(0.0, base - deduction), 1)


@dataclass(frozen=True)
class Scores:
    start: date
    end: date
    departments: list[ScoreRow]
    subdistricts: list[ScoreRow]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local calendar days, end inclusive."""
    zone = local_zone()
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=zone
    )


CASE_SUMS = ("cases", "resolved", "due_or_done", "completed_on_time", "rated", "satisfied", "handling_total")
ASSIGNMENT_SUMS = ("dispatched", "acknowledged_in_time")
RETURN_SUMS = ("returns",)
EXTENSION_SUMS = ("extensions", "extension_days")
CARD_SUMS = ("yellow_cards", "red_cards")
SUPERVISION_SUMS = ("supervision_orders",)


def _case_groups(cases: QuerySet[Case], now: datetime) -> list[dict]:
    """One pass over the range, grouped by (lead department, subdistrict); both dimensions sum from it."""
    return list(
        cases.values("lead_department", "subdistrict")
        .annotate(
            cases=Count("id"),
            resolved=Count("id", filter=RESOLVED),
            due_or_done=Count("id", filter=RESOLVED | Q(complete_due__lt=now)),
            completed_on_time=Count("id", filter=Q(resolved_at__lte=F("complete_due"))),
            rated=Count("id", filter=~Q(satisfaction="")),
            satisfied=Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])),
            handling_total=Sum("handling_seconds", filter=RESOLVED),
        )
        .order_by()
    )


def _assignment_groups(assignments: QuerySet[Assignment]) -> list[dict]:
    return list(
        assignments.values("department", "subdistrict")
        .annotate(
            dispatched=Count("id"),
            acknowledged_in_time=Count("id", filter=Q(acknowledged_at__lte=F("ack_due"))),
        )
        .order_by()
    )


def _return_groups(returned: QuerySet[Assignment]) -> list[dict]:
    return list(returned.values("department", "subdistrict").annotate(returns=Count("id")).order_by())


def _extension_groups(events: QuerySet[CaseEvent]) -> list[dict]:
    """批准延期 events, on the lead assignment they name (else the case's lead department)."""
    return list(
        events.values(
            department=Coalesce("assignment__department", "case__lead_department"),
            subdistrict=F("case__subdistrict"),
        )
        .annotate(
            extensions=Count("id"),
            extension_days=Sum(Cast(KT("payload__working_days"), IntegerField())),
        )
        .order_by()
    )


def _card_groups(cards: QuerySet[DeadlineCard]) -> list[dict]:
    return list(
        cards.values("department", "subdistrict")
        .annotate(
            yellow_cards=Count("id", filter=Q(colour=CardColour.YELLOW)),
            red_cards=Count("id", filter=Q(colour=CardColour.RED)),
        )
        .order_by()
    )


def _supervision_groups(orders: QuerySet[SupervisionOrder]) -> list[dict]:
    return list(orders.values("department", "subdistrict").annotate(supervision_orders=Count("id")).order_by())


def _by(groups: list[dict], key: str, fields: tuple[str, ...]) -> dict[int, dict]:
    totals: dict[int, dict] = {}
    for group in groups:
        if group[key] is None:
            continue
        bucket = totals.setdefault(group[key], dict.fromkeys(fields, 0))
        for name in fields:
            bucket[name] += group[name] or 0
    return totals


def _rows(names: dict[int, str], figures: list[dict[int, dict]]) -> list[ScoreRow]:
    """One row per key found in any source; ``figures`` are the per-key sums of each source."""
    keys = set().union(*figures)
    rows = []
    for key in sorted(keys, key=lambda k: names.get(k, "")):
        values: dict = {}
        for source in figures:
            values.update(source.get(key, {}))
        resolved = values.get("resolved", 0)
        handling_total = values.pop("handling_total", 0)
        rows.append(
            ScoreRow(
                key=key,
                name=names.get(key, str(key)),
                mean_handling_hours=round(handling_total / resolved / 3600, 1) if resolved else None,
                **values,
            )
        )
    return rows


def compute_scores(start: date, end: date, *, now: datetime, cases: QuerySet[Case] | None = None) -> Scores:
    """Scores for cases received (and assignments dispatched) from ``start`` to ``end``, both inclusive."""
    low, high = _bounds(start, end)
    base = cases if cases is not None else Case.objects.all()
    in_range = base.filter(received_at__gte=low, received_at__lt=high)
    assignments = Assignment.objects.filter(dispatched_at__gte=low, dispatched_at__lt=high)
    returned = Assignment.objects.filter(returned_at__gte=low, returned_at__lt=high)
    extensions = CaseEvent.objects.filter(kind=EventKind.EXTENSION_APPROVED, at__gte=low, at__lt=high)
    cards = DeadlineCard.objects.filter(issued_at__gte=low, issued_at__lt=high)
    orders = SupervisionOrder.objects.filter(issued_at__gte=low, issued_at__lt=high)
    if cases is not None:
        assignments = assignments.filter(case__in=base)
        returned = returned.filter(case__in=base)
        extensions = extensions.filter(case__in=base)
        cards = cards.filter(case__in=base)
        orders = orders.filter(case__in=base)
    sources = [
        (_case_groups(in_range, now), CASE_SUMS, "lead_department"),
        (_assignment_groups(assignments), ASSIGNMENT_SUMS, "department"),
        (_return_groups(returned), RETURN_SUMS, "department"),
        (_extension_groups(extensions), EXTENSION_SUMS, "department"),
        (_card_groups(cards), CARD_SUMS, "department"),
        (_supervision_groups(orders), SUPERVISION_SUMS, "department"),
    ]
    departments = dict(Department.objects.values_list("pk", "name"))
    subdistricts = dict(Subdistrict.objects.values_list("pk", "name"))
    return Scores(
        start=start,
        end=end,
        departments=_rows(departments, [_by(groups, key, fields) for groups, fields, key in sources]),
        subdistricts=_rows(subdistricts, [_by(groups, "subdistrict", fields) for groups, fields, _key in sources]),
    )
