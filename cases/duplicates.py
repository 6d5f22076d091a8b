"""Repeated reports of one problem: finding open cases a new report may duplicate, and what residents see.

The numbers (radius, look-back) come from ``HandlingPolicy``. Matching is by category plus either the
normalised address or the distance; a lat/lng bounding box narrows the rows in the database first.
Merging is a workflow and lives in ``cases.services.merge_case``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from cms.geo import bounding_box, haversine_m
from cms.models import HandlingPolicy, RequestCategory

from .addresses import normalize_address
from .models import OPEN_STATUSES, Case

# Candidates examined per check; an address with more open cases of one category than this is an outlier.
MAX_SCAN = 200
MAX_RESULTS = 20

MERGED_NOTICE = "该问题已有人反映，正在办理中"


def _category_id(category: RequestCategory | int | str | None) -> int | None:
    if category is None or category == "":
        return None
    if isinstance(category, RequestCategory):
        return category.pk
    if isinstance(category, int):
        return category
    return RequestCategory.objects.filter(code=category).values_list("pk", flat=True).first()


def scope_of(case: Case) -> dict[str, Any]:
    """The arguments that look for cases like ``case``: its category, place and time, itself excluded."""
    return {
        "category": case.category_id,
        "address": case.address,
        "lat": case.lat,
        "lng": case.lng,
        "now": case.received_at,
        "exclude": case,
    }


def find_duplicates(
    *,
    category: RequestCategory | int | str | None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    now: datetime,
    exclude: Case | int | None = None,
) -> list[Case]:
    """Open cases of the same category at the same address or within the policy radius, received in the
    look-back window up to ``now``; same address first, then nearest, then the earliest report.

    ``category`` is a category, its id or its code; without one nothing matches.
    """
    category_id = _category_id(category)
    if category_id is None:
        return []
    policy = HandlingPolicy.load()
    key = normalize_address(address)
    radius = policy.duplicate_radius_m
    near = Q()
    if key:
        near |= Q(address_key=key)
    if lat is not None and lng is not None and radius > 0:
        min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
        near |= Q(lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng))
    if not near:
        return []
    qs = Case.objects.filter(
        near,
        category_id=category_id,
        status__in=OPEN_STATUSES,
        received_at__gte=now - timedelta(days=policy.duplicate_lookback_days),
        received_at__lte=now,
    ).select_related("category")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk if isinstance(exclude, Case) else exclude)
    ranked = []
    for case in qs.order_by("received_at", "id")[:MAX_SCAN]:
        same_address = bool(key) and case.address_key == key
        distance = math.inf
        if lat is not None and lng is not None and case.lat is not None and case.lng is not None:
            distance = haversine_m(lat, lng, case.lat, case.lng)
        if same_address or distance <= radius:
            ranked.append(((not same_address, distance, case.received_at, case.pk), case))
    ranked.sort(key=lambda row: row[0])
    return [case for _, case in ranked[:MAX_RESULTS]]


@dataclass(frozen=True)
class PublicCaseSummary:
    """What anyone may know about a case another resident reported: no text, no names, no phone."""

    ticket_number: str
    category_name: str
    status: str
    status_label: str
    received_at: datetime
    repeat_count: int

    @classmethod
    def of(cls, case: Case) -> PublicCaseSummary:
        return cls(
            ticket_number=case.ticket_number,
            category_name=case.category.name if case.category is not None else "",
            status=case.status,
            status_label=case.get_status_display(),
            received_at=case.received_at,
            repeat_count=case.repeat_count,
        )

    @property
    def residents(self) -> int:
        """Residents who reported it: the case itself and every case merged into it."""
        return 1 + self.repeat_count


def residents_reporting(summaries: Iterable[PublicCaseSummary]) -> int:
    """N of “已有N位居民反映过同一问题”."""
    return sum(s.residents for s in summaries)


def already_reported(
    *,
    category: RequestCategory | int | str | None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    now: datetime,
    exclude: Case | int | None = None,
) -> list[PublicCaseSummary]:
    """The pre-submission check for resident pages and the API: open cases that already report this."""
    found = find_duplicates(category=category, address=address, lat=lat, lng=lng, now=now, exclude=exclude)
    return [PublicCaseSummary.of(case) for case in found]


def merged_summary(case: Case) -> PublicCaseSummary | None:
    """For a merged ticket, the case its reporter now follows; ``None`` when the ticket was not merged."""
    if case.merged_into is None:  # no query when the ticket was not merged
        return None
    return PublicCaseSummary.of(case.merged_into)


def merged_notice(case: Case) -> str:
    """What a resident looking up a merged ticket reads; empty when the ticket was not merged."""
    target = case.merged_into if case.merged_into_id else None
    if target is None:
        return ""
    if target.is_open:
        return f"{MERGED_NOTICE}（工单号{target.ticket_number}）。"
    return f"该问题已有人反映，工单{target.ticket_number}{target.get_status_display()}。"
