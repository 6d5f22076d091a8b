"""考核: response, on-time completion, resolution and satisfaction per department and per subdistrict.

Definitions (over cases received, and assignments dispatched, in ``[start, end)``):

- response rate = assignments acknowledged by their 报到 deadline / assignments dispatched
- on-time completion rate = cases resolved by ``complete_due`` / cases resolved or already past due
- resolution rate = cases resolved (办结 or later) / cases
- satisfaction rate = (满意 + 基本满意) / cases rated
- mean handling time = mean of (resolved_at − received_at) over resolved cases, in hours

A department is scored on the cases it leads and on every assignment it received (lead or
co-handler); a subdistrict on the cases in its area. Two grouped queries (cases, assignments)
serve both dimensions, each read from a covering index, so a year of a million cases stays
within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum

from cms.models import Department, Subdistrict

from .escalation import local_zone
from .models import Assignment, Case, Satisfaction

RESOLVED = Q(resolved_at__isnull=False)


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


def _by(groups: list[dict], key: str, fields: tuple[str, ...]) -> dict[int, dict]:
    totals: dict[int, dict] = {}
    for group in groups:
        if group[key] is None:
            continue
        bucket = totals.setdefault(group[key], dict.fromkeys(fields, 0))
        for name in fields:
            bucket[name] += group[name] or 0
    return totals


def _rows(names: dict[int, str], case_figures: dict[int, dict], assignment_figures: dict[int, dict]) -> list[ScoreRow]:
    rows = []
    for key in sorted(set(case_figures) | set(assignment_figures), key=lambda k: names.get(k, "")):
        c, a = case_figures.get(key, {}), assignment_figures.get(key, {})
        resolved = c.get("resolved", 0)
        rows.append(
            ScoreRow(
                key=key,
                name=names.get(key, str(key)),
                dispatched=a.get("dispatched", 0),
                acknowledged_in_time=a.get("acknowledged_in_time", 0),
                cases=c.get("cases", 0),
                resolved=resolved,
                due_or_done=c.get("due_or_done", 0),
                completed_on_time=c.get("completed_on_time", 0),
                rated=c.get("rated", 0),
                satisfied=c.get("satisfied", 0),
                mean_handling_hours=round(c["handling_total"] / resolved / 3600, 1) if resolved else None,
            )
        )
    return rows


def compute_scores(start: date, end: date, *, now: datetime, cases: QuerySet[Case] | None = None) -> Scores:
    """Scores for cases received (and assignments dispatched) from ``start`` to ``end``, both inclusive."""
    low, high = _bounds(start, end)
    base = cases if cases is not None else Case.objects.all()
    in_range = base.filter(received_at__gte=low, received_at__lt=high)
    assignments = Assignment.objects.filter(dispatched_at__gte=low, dispatched_at__lt=high)
    if cases is not None:
        assignments = assignments.filter(case__in=base)
    cases_grouped = _case_groups(in_range, now)
    assignments_grouped = _assignment_groups(assignments)
    departments = dict(Department.objects.values_list("pk", "name"))
    subdistricts = dict(Subdistrict.objects.values_list("pk", "name"))
    return Scores(
        start=start,
        end=end,
        departments=_rows(
            departments,
            _by(cases_grouped, "lead_department", CASE_SUMS),
            _by(assignments_grouped, "department", ASSIGNMENT_SUMS),
        ),
        subdistricts=_rows(
            subdistricts,
            _by(cases_grouped, "subdistrict", CASE_SUMS),
            _by(assignments_grouped, "subdistrict", ASSIGNMENT_SUMS),
        ),
    )
