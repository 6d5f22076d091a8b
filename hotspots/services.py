"""Hotspot workflows: scan the stored cases, and turn a hotspot into a proactive case or dismiss it.

A scan reads the cases of the baseline and the window in one query, runs ``detection`` on them,
and keeps one open ``Hotspot`` per (level, area, category). One outbreak shows at the address, the
alley and the grid at once; only the most specific level is kept. A proactive case goes through
``cases.services.submit_case`` (channel 主动发现, no resident) and is routed and escalated like
any other.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.errors import CasePermissionDenied
from cases.models import Case, Channel
from cases.permissions import Actor, can_dispatch
from cms.models import Alley, Grid, RequestCategory

from .detection import DetectorConfig, Signal, Timeline, most_specific
from .models import Hotspot, HotspotLevel, HotspotStatus

logger = logging.getLogger(__name__)

EXCERPTS = 3
EXCERPT_CHARS = 60


class HotspotError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def detector_config() -> DetectorConfig:
    """``HOTSPOT_DETECTOR`` (a dict of ``DetectorConfig`` fields) overrides the measured defaults."""
    return DetectorConfig(**getattr(settings, "HOTSPOT_DETECTOR", {}))


@dataclass
class ScanResult:
    opened: list[Hotspot] = field(default_factory=list)
    refreshed: list[Hotspot] = field(default_factory=list)
    expired: int = 0


@dataclass
class _Report:
    ticket: str
    at: datetime
    category: str
    grid: str
    alley: str
    address: str


def _reports(now: datetime, config: DetectorConfig) -> list[_Report]:
    """Residents' cases of the baseline and the window (proactive cases are our own, not a signal)."""
    rows = (
        Case.objects.filter(
            received_at__gte=now - config.window - config.baseline,
            received_at__lt=now,
            category__isnull=False,
            grid__isnull=False,
        )
        .exclude(channel=Channel.PROACTIVE)
        .values_list("ticket_number", "received_at", "category__code", "grid__code", "alley__code", "address_key")
        .order_by("received_at")
    )
    return [_Report(t, at, cat, grid, alley or "", address or "") for t, at, cat, grid, alley, address in rows]


@transaction.atomic
def scan(*, now: datetime | None = None, config: DetectorConfig | None = None) -> ScanResult:
    """Open or refresh a hotspot per signal; expire open ones quiet for a whole window. Idempotent."""
    now = now or timezone.now()
    config = config or detector_config()
    reports = _reports(now, config)
    timeline = Timeline(config)
    parents: dict[tuple[str, str], tuple[str, str]] = {}
    recent_keys: set[tuple[str, str, str]] = set()
    start = now - config.window
    for r in reports:
        areas = [(HotspotLevel.GRID, r.grid), (HotspotLevel.ALLEY, r.alley), (HotspotLevel.ADDRESS, r.address)]
        timeline.add(r.at, areas, r.category)
        parents.setdefault((HotspotLevel.ADDRESS, r.address), (r.grid, r.alley))
        parents.setdefault((HotspotLevel.ALLEY, r.alley), (r.grid, ""))
        if r.at >= start:
            recent_keys.update((level, area, r.category) for level, area in areas if area)
    signals = most_specific(timeline.signals(now, keys=sorted(recent_keys)), parents)

    result = ScanResult()
    open_hotspots = {
        (h.level, h.area_key, h.category.code): h
        for h in Hotspot.objects.filter(status=HotspotStatus.OPEN).select_related("category")
    }
    recently_closed = set(
        Hotspot.objects.filter(closed_at__gte=start)
        .exclude(status=HotspotStatus.OPEN)
        .values_list("level", "area_key", "category__code")
    )
    in_window = [r for r in reports if r.at >= start]
    alley_of = {
        (s.level, s.area): s.area if s.level == HotspotLevel.ALLEY else parents.get((s.level, s.area), ("", ""))[1]
        for s in signals
    }
    names = _names(signals, set(alley_of.values()))
    for signal in signals:
        key = (signal.level, signal.area, signal.category)
        if key in recently_closed:
            continue  # a dispatcher already decided about these very reports
        matching = [r for r in in_window if r.category == signal.category and _in_area(r, signal)]
        fields = {
            "count": signal.count,
            "expected": signal.expected,
            "p_value": signal.p_value,
            "window_hours": int(config.window.total_seconds() // 3600),
            "tickets": [r.ticket for r in matching],
            "last_detected_at": now,
        }
        existing = open_hotspots.pop(key, None)
        if existing is not None:
            Hotspot.objects.filter(pk=existing.pk).update(**fields)
            result.refreshed.append(existing)
            continue
        address = Counter(r.address for r in matching if r.address).most_common(1)
        grid_code = Counter(r.grid for r in matching).most_common(1)[0][0]
        alley_code = alley_of[(signal.level, signal.area)]
        result.opened.append(
            Hotspot.objects.create(
                level=signal.level,
                area_key=signal.area,
                area_label=names.area_label(signal),
                grid=names.grids[grid_code],
                alley=names.alleys.get(alley_code),
                address=address[0][0] if address else "",
                category=names.categories[signal.category],
                first_detected_at=now,
                **fields,
            )
        )
    quiet = [h.pk for h in open_hotspots.values() if h.last_detected_at < start]
    result.expired = Hotspot.objects.filter(pk__in=quiet).update(status=HotspotStatus.EXPIRED, closed_at=now)
    return result


def _in_area(report: _Report, signal: Signal) -> bool:
    return {"grid": report.grid, "alley": report.alley, "address": report.address}[signal.level] == signal.area


@dataclass
class _Names:
    grids: dict[str, Grid]
    alleys: dict[str, Alley]
    categories: dict[str, RequestCategory]

    def area_label(self, signal: Signal) -> str:
        if signal.level == HotspotLevel.GRID:
            grid = self.grids[signal.area]
            return f"{grid.community.name}{grid.name}"
        if signal.level == HotspotLevel.ALLEY:
            return self.alleys[signal.area].name if signal.area in self.alleys else signal.area
        return signal.area


def _names(signals: list[Signal], alley_codes: set[str]) -> _Names:
    """The grids, alleys and categories the signals name, three queries for all of them."""
    return _Names(
        grids={g.code: g for g in Grid.objects.select_related("community")},
        alleys={a.code: a for a in Alley.objects.filter(code__in=alley_codes)},
        categories={c.code: c for c in RequestCategory.objects.filter(code__in={s.category for s in signals})},
    )


# --------------------------------------------------------------------------- acting on a hotspot


def _check_may_decide(actor: Actor, hotspot: Hotspot) -> None:
    subdistrict_id = hotspot.grid.community.subdistrict_id
    if not can_dispatch(actor, Case(subdistrict_id=subdistrict_id)):
        raise CasePermissionDenied("只有本街道的调度员或区督办可以处置该热点。")


def _locked_open(hotspot_id: int) -> Hotspot:
    hotspot = Hotspot.objects.select_for_update().select_related("grid__community", "category").get(pk=hotspot_id)
    if hotspot.status != HotspotStatus.OPEN:
        raise HotspotError("not_open", f"该热点已{hotspot.get_status_display()}，无需再处置。")
    return hotspot


def proactive_text(hotspot: Hotspot, cases: list[Case]) -> str:
    """What the handling unit reads: the pattern, then a few residents' words as they reported them."""
    head = (
        f"未诉先办：{hotspot.area_label}近{hotspot.window_hours}小时收到{hotspot.count}件"
        f"“{hotspot.category.name}”诉求（常态约{hotspot.expected:.1f}件），请主动排查处置。"
    )
    distinct = dict.fromkeys(c.text.strip().replace("\n", " ")[:EXCERPT_CHARS] for c in cases)
    excerpts = list(distinct)[:EXCERPTS]
    return head + ("居民反映摘录：" + "；".join(excerpts) if excerpts else "")


def act(hotspot_id: int, *, actor: Actor, note: str = "", now: datetime | None = None) -> Case:
    """Turn an open hotspot into a proactive case (no resident) routed by the rules like any other."""
    now = now or timezone.now()
    with transaction.atomic():
        hotspot = _locked_open(hotspot_id)
        _check_may_decide(actor, hotspot)
        cases = list(Case.objects.filter(ticket_number__in=hotspot.tickets).order_by("received_at"))
        types = Counter(c.request_type for c in cases).most_common(1)
        located = next((c for c in cases if c.address), None) or next((c for c in cases if c.point), None)
        submission = case_services.CaseSubmission(
            request_type=types[0][0] if types else "求助",
            text=proactive_text(hotspot, cases),
            channel=Channel.PROACTIVE,
            address=hotspot.address or (located.address if located else ""),
            point=located.point if located and not located.address else None,
            idempotency_key=f"hotspot:{hotspot.pk}",
        )
    # submit_case commits the case before routing it; the hotspot is marked after, idempotently.
    result = case_services.submit_case(submission, actor=actor, now=now)
    with transaction.atomic():
        hotspot = Hotspot.objects.select_for_update().get(pk=hotspot_id)
        if hotspot.status != HotspotStatus.OPEN:
            logger.warning("热点 %s 在生成主动工单 %s 时已是%s", hotspot_id, result.case.ticket_number, hotspot.status)
        else:
            hotspot.status, hotspot.proactive_case = HotspotStatus.ACTED, result.case
            hotspot.closed_at, hotspot.closed_by, hotspot.note = now, actor.user, note[:255]
            hotspot.save(update_fields=["status", "proactive_case", "closed_at", "closed_by", "note"])
    return result.case


def dismiss(hotspot_id: int, *, actor: Actor, note: str, now: datetime | None = None) -> Hotspot:
    note = str(note or "").strip()
    if not note:
        raise HotspotError("required", "请说明忽略的理由（例如“已知的计划停水，已有公告”）。")
    with transaction.atomic():
        hotspot = _locked_open(hotspot_id)
        _check_may_decide(actor, hotspot)
        hotspot.status, hotspot.closed_at, hotspot.closed_by = (
            HotspotStatus.DISMISSED,
            now or timezone.now(),
            actor.user,
        )
        hotspot.note = note[:255]
        hotspot.save(update_fields=["status", "closed_at", "closed_by", "note"])
    return hotspot


def open_hotspots(actor: Actor | None = None, limit: int = 50) -> list[Hotspot]:
    """Open hotspots, most significant first; a dispatcher sees their own subdistrict's."""
    hotspots = Hotspot.objects.filter(status=HotspotStatus.OPEN).select_related(
        "grid__community__subdistrict", "alley", "category__parent"
    )
    staff = getattr(actor, "staff", None)
    if actor is not None and not actor.is_supervisor and staff is not None and staff.subdistrict_id:
        hotspots = hotspots.filter(grid__community__subdistrict_id=staff.subdistrict_id)
    return list(hotspots.order_by("p_value", "-count")[:limit])
