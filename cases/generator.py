"""Realistic cases in bulk for demos and benchmarks, from the reference district's own data.

Rows are written with ``bulk_create`` (the engine is not asked, which would take hours for a
million cases); the routing follows each category's default lead, deadlines follow the time
limits on the working calendar, and outcomes follow plausible rates. Ticket numbers come from
the same daily counters as real intake, so generated and real cases never collide.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cms.models import Address, Department, RequestCategory, TimeLimitRule, Urgency

from . import engine
from .addresses import normalize_address
from .escalation import GRACE, end_of_day, local_zone
from .models import (
    Acknowledgement,
    Assignment,
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    Satisfaction,
    TicketCounter,
    UnitKind,
)

TYPES = [("投诉", 40), ("求助", 25), ("咨询", 15), ("建议", 10), ("举报", 10)]
CHANNELS = [("12345", 70), ("web", 10), ("app", 12), ("grid", 8)]
RATINGS = [(Satisfaction.SATISFIED, 70), (Satisfaction.BASICALLY, 18), (Satisfaction.UNSATISFIED, 12)]
OPEN_STATES = [(CaseStatus.DISPATCHED, 30), (CaseStatus.ACKNOWLEDGED, 25), (CaseStatus.IN_PROGRESS, 45)]
PHRASES = [
    "已经好几天了",
    "影响居民正常生活",
    "希望尽快派人处理",
    "多次反映没有解决",
    "老人孩子出行不便",
    "请相关部门来看看",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass(frozen=True)
class _Leaf:
    category_id: int
    keywords: tuple[str, ...]
    department_id: int | None
    unit: str


@dataclass(frozen=True)
class _Place:
    address: str
    grid_id: int
    community_id: int
    subdistrict_id: int
    alley_id: int | None


class _Calendar:
    """Working-day arithmetic memoised per (day, n): a million cases touch a few hundred days."""

    def __init__(self) -> None:
        latest = engine.latest_calendar()
        self.version = latest.version
        self.calendar = latest.calendar
        self.memo: dict[tuple[date, int], date] = {}

    def add(self, day: date, n: int) -> date:
        key = (day, n)
        if key not in self.memo:
            self.memo[key] = self.calendar.add_working_days(day, n)
        return self.memo[key]


def _palette() -> tuple[list[_Leaf], list[_Place], dict[tuple[str, str], TimeLimitRule]]:
    leaves = []
    for c in RequestCategory.objects.leaves().select_related("default_lead_department"):
        unit = c.default_lead or ""
        if not unit:
            continue
        leaves.append(_Leaf(c.pk, tuple(c.keywords) or (c.name,), c.default_lead_department_id, unit))
    places = [
        _Place(a.address, a.grid_id, a.grid.community_id, a.grid.community.subdistrict_id, a.alley_id)
        for a in Address.objects.select_related("grid__community")
    ]
    limits = {(r.request_type, r.urgency): r for r in TimeLimitRule.objects.all()}
    if not leaves or not places or not limits:
        raise RuntimeError("请先导入参考数据（manage.py import_reference），再生成工单。")
    return leaves, places, limits


def _ticket_numbers(days: Counter) -> dict[date, int]:
    """Reserve a block of numbers per day; returns the first number of each block."""
    first = {}
    with transaction.atomic():
        for day, n in sorted(days.items()):
            TicketCounter.objects.get_or_create(day=day)
            TicketCounter.objects.filter(day=day).update(last=F("last") + n)
            first[day] = TicketCounter.objects.get(day=day).last - n + 1
    return first


def generate_cases(
    count: int,
    *,
    start: datetime,
    end: datetime,
    seed: int = 0,
    open_ratio: float = 0.15,
    events: bool = True,
    batch_size: int = 2000,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Create ``count`` cases received between ``start`` and ``end``; returns how many were made."""
    now = now or timezone.now()
    rng = random.Random(seed)
    leaves, places, limits = _palette()
    calendar = _Calendar()
    zone = local_zone()
    span = (end - start).total_seconds()
    codes = dict(Department.objects.values_list("pk", "code"))
    departments = sorted((pk, codes[pk]) for pk in {leaf.department_id for leaf in leaves if leaf.department_id})
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        moments = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(size))
        days = Counter(timezone.localtime(m, zone).date() for m in moments)
        first = _ticket_numbers(days)
        plans = []
        for received in moments:
            day = timezone.localtime(received, zone).date()
            ticket = f"LX{day:%Y%m%d}{first[day]:06d}"
            first[day] += 1
            plans.append(_plan(rng, ticket, received, now, leaves, places, limits, calendar, departments, open_ratio))
        with transaction.atomic():
            cases = Case.objects.bulk_create([p["case"] for p in plans])
            assignments = []
            for case, plan in zip(cases, plans, strict=True):
                for a in plan["assignments"]:
                    a.case = case
                    assignments.append(a)
            Assignment.objects.bulk_create(assignments)
            if events:
                _write_events(cases, plans)
        made += size
        if progress:
            progress(made, count)
    return made


def _plan(rng, ticket, received, now, leaves, places, limits, calendar, departments, open_ratio) -> dict:
    zone = local_zone()
    request_type = _weighted(rng, TYPES)
    urgent = rng.random() < 0.08
    limit = limits.get((request_type, Urgency.URGENT if urgent else Urgency.NORMAL))
    leaf = rng.choice(leaves)
    place = rng.choice(places)
    day = timezone.localtime(received, zone).date()
    ack_due = received + timedelta(hours=limit.ack_hours if limit else 24)
    feedback_day = (
        day
        if (limit and limit.feedback_same_day)
        else calendar.add(day, (limit.feedback_working_days or 1) if limit else 1)
    )
    feedback_due = end_of_day(feedback_day)
    complete_due = end_of_day(calendar.add(day, limit.complete_working_days if limit else 5))
    whistle = leaf.department_id is not None and len(departments) > 1 and rng.random() < 0.12
    co = rng.choice([d for d in departments if d[0] != leaf.department_id]) if whistle else None
    is_open = received > now - timedelta(days=3) or rng.random() < open_ratio
    text = f"{place.address}{rng.choice(leaf.keywords)}，{rng.choice(PHRASES)}。"
    case = Case(
        ticket_number=ticket,
        request_type=request_type,
        channel=_weighted(rng, CHANNELS),
        text=text,
        address=place.address,
        address_key=normalize_address(place.address),
        reporter_name=rng.choice(SURNAMES) + rng.choice("先生女士"),
        reporter_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        category_id=leaf.category_id,
        grid_id=place.grid_id,
        community_id=place.community_id,
        subdistrict_id=place.subdistrict_id,
        alley_id=place.alley_id,
        lead_department_id=leaf.department_id,
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        whistle=whistle,
        ruleset_version=1,
        calendar_version=calendar.version,
        fired_rules=["route-multi-department-whistle"] if whistle else [],
        received_at=received,
        ack_due=ack_due,
        feedback_due=feedback_due,
        complete_due=complete_due,
        ack_window_minutes=int((ack_due - received).total_seconds() // 60),
        dispatched_at=received,
    )
    units = [(Assignment.Role.LEAD, leaf.unit, leaf.department_id)]
    if co:
        units.append((Assignment.Role.CO, co[1], co[0]))
    acknowledged = not is_open or rng.random() < 0.6
    ack_lag = timedelta(minutes=rng.uniform(5, (ack_due - received).total_seconds() / 60 * 1.3))
    acked_at = received + ack_lag if acknowledged and received + ack_lag <= now else None
    assignments = [
        Assignment(
            role=role,
            unit_kind=UnitKind.DEPARTMENT if department else unit,
            unit_code=unit,
            department_id=department,
            subdistrict_id=place.subdistrict_id,
            dispatched_at=received,
            ack_due=ack_due,
            acknowledged_at=acked_at,
            status=Assignment.Status.ACKNOWLEDGED if acked_at else Assignment.Status.PENDING,
        )
        for role, unit, department in units
    ]
    if is_open or acked_at is None:
        case.status = _weighted(rng, OPEN_STATES) if acked_at else CaseStatus.DISPATCHED
        case.acknowledged_at = acked_at
        if acked_at is None and ack_due >= now:
            case.next_check_at = ack_due + GRACE
        elif complete_due >= now:
            case.next_check_at = (feedback_due if feedback_due >= now else complete_due) + GRACE
        else:
            case.next_check_at = now  # overdue and not yet looked at: the sweep's work
    else:
        resolved = received + timedelta(hours=rng.uniform(4, 24 * 9))
        resolved = min(resolved, now - timedelta(hours=1))
        resolved = max(resolved, acked_at + timedelta(minutes=30))
        case.status = CaseStatus.CLOSED
        case.acknowledged_at = acked_at
        case.started_at = acked_at
        case.feedback_at = min(resolved, acked_at + timedelta(hours=rng.uniform(1, 30)))
        case.resolved_at = resolved
        case.handling_seconds = int((resolved - received).total_seconds())
        case.satisfaction = _weighted(rng, RATINGS)
        case.callback_at = resolved + timedelta(hours=rng.uniform(2, 30))
        case.closed_at = case.callback_at
        case.resolution = "已按诉求处理完毕。"
    return {"case": case, "assignments": assignments}


def _write_events(cases: list[Case], plans: list[dict]) -> None:
    events, acks = [], []
    for case, plan in zip(cases, plans, strict=True):
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.RECEIVED,
                at=case.received_at,
                actor_label="系统",
                to_status=CaseStatus.RECEIVED,
                public=True,
            )
        )
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.DISPATCHED,
                at=case.received_at,
                actor_label="系统",
                from_status=CaseStatus.RECEIVED,
                to_status=CaseStatus.DISPATCHED,
                public=True,
            )
        )
        for a in plan["assignments"]:
            if a.acknowledged_at:
                acks.append(Acknowledgement(assignment=a, by_label="演示数据", at=a.acknowledged_at))
                events.append(
                    CaseEvent(
                        case=case,
                        kind=EventKind.ACKNOWLEDGED,
                        at=a.acknowledged_at,
                        actor_label="演示数据",
                        assignment=a,
                        from_status=CaseStatus.DISPATCHED,
                        to_status=CaseStatus.DISPATCHED,
                    )
                )
        if case.resolved_at:
            for kind, at in (
                (EventKind.RESOLVED, case.resolved_at),
                (EventKind.CALLBACK, case.callback_at),
                (EventKind.CLOSED, case.closed_at),
            ):
                events.append(
                    CaseEvent(
                        case=case,
                        kind=kind,
                        at=at,
                        actor_label="演示数据",
                        public=True,
                        payload={"satisfaction": case.satisfaction} if kind == EventKind.CALLBACK else {},
                    )
                )
    Acknowledgement.objects.bulk_create(acks)
    CaseEvent.objects.bulk_create(events)
