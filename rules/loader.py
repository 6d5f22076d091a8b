"""Build the decision snapshot from the CMS database and keep one per process, fresh within a second.

Every process (web, worker) holds the compiled snapshot of the live rule book; it reads the
configuration stamp at most once per ``REFRESH_SECONDS`` and rebuilds when an administrator
changed anything (see docs/adr/0002).
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any

from classifier.services import live_model
from cms.models import (
    Address,
    CalendarVersion,
    ClassifierSettings,
    Community,
    ConfigStamp,
    Department,
    Grid,
    RequestCategory,
    RuleBook,
    RulesetVersion,
    Subdistrict,
    TimeLimitRule,
)
from cms.models.rulebook import rulebook_content
from cms.models.timelimits import RequestType

from . import snapshot
from .calendar import WorkingCalendar, calendar_for
from .snapshot import CalendarTable, RulesConfig

REFRESH_SECONDS = 1.0


def config_from_database(book_content: dict[str, Any] | None = None, version: int | None = None) -> RulesConfig:
    """A snapshot of the current configuration with the given rule-book content (default: live)."""
    if book_content is None:
        latest = RulesetVersion.objects.order_by("-number").first()
        book_content = latest.content if latest else {"routing": [], "escalation": {"levels": [], "cap": 0}}
        version = latest.number if latest else 0
    book = snapshot.rulebook_from_reference(book_content)

    categories = list(RequestCategory.objects.select_related("parent", "default_lead_department"))
    leaves = tuple(
        snapshot.CategoryLeaf(
            code=c.code,
            name=c.name,
            parent_code=c.parent.code,
            parent_name=c.parent.name,
            default_lead=c.default_lead,
            keywords=tuple(c.keywords),
            urgent_keywords=tuple(c.urgent_keywords),
        )
        for c in sorted(categories, key=lambda c: (c.sort_order, c.code))
        if c.parent is not None
    )
    tops = {c.code: c.name for c in categories if not c.parent_id}

    grids = {}
    alleys_by_grid: dict[int, set[str | None]] = {}
    address_map = {}
    for address, grid_code, grid_id, alley_code in Address.objects.values_list(
        "address", "grid__code", "grid_id", "alley__code"
    ):
        address_map[address] = grid_code
        alleys_by_grid.setdefault(grid_id, set()).add(alley_code)
    for g in Grid.objects.select_related("community__subdistrict"):
        alleys = alleys_by_grid.get(g.pk, set())
        grids[g.code] = snapshot.GridInfo(
            code=g.code,
            name=g.name,
            community_code=g.community.code,
            subdistrict_code=g.community.subdistrict.code,
            alley_code=next(iter(alleys)) if len(alleys) == 1 else None,
            boundary=snapshot._boundary(g.boundary),
            admin_code=g.division_code,
        )
    communities = dict(Community.objects.values_list("code", "name"))
    subdistricts = dict(Subdistrict.objects.values_list("code", "name"))
    district = Subdistrict.objects.select_related("district").first()
    prefixes = (
        tuple(p for p in (district.district.province, district.district.city, district.district.name) if p)
        if district
        else ()
    )
    sla = tuple(
        snapshot.SlaRow(
            type=row.request_type,
            urgency=row.urgency,
            feedback_same_day=row.feedback_same_day,
            feedback_working_days=row.feedback_working_days,
            complete_working_days=row.complete_working_days,
            ack_hours=row.ack_hours,
        )
        for row in TimeLimitRule.objects.all()
    )
    calendar = latest_calendar_table()
    text_model, model_version = live_model()
    classifier_settings = ClassifierSettings.objects.first()
    departments = {d.code: snapshot.Department(code=d.code, name=d.name, kind=d.kind) for d in Department.objects.all()}
    return RulesConfig(
        version=version or 0,
        categories=leaves,
        top_categories=snapshot._frozen_map(tops),
        departments=snapshot._frozen_map(departments),
        subdistricts=snapshot._frozen_map(subdistricts),
        communities=snapshot._frozen_map(communities),
        grids=snapshot._frozen_map(grids),
        addresses=snapshot._frozen_map(address_map),
        routing=book.routing,
        escalation_levels=book.levels,
        escalation_triggers=book.triggers,
        escalation_cap=book.cap,
        sla=sla,
        calendar_overrides=calendar.days,
        calendar_years=calendar.years,
        calendar_version=calendar.version,
        request_types=tuple(RequestType.values),
        area_prefixes=prefixes,
        text_model=text_model,
        model_version=model_version,
        auto_dispatch_confidence=(
            classifier_settings.auto_dispatch_confidence
            if classifier_settings
            else RulesConfig.auto_dispatch_confidence
        ),
    )


NO_CALENDAR_TABLE = CalendarTable(version=0, days=(), years=())


def latest_calendar_table() -> CalendarTable:
    """The latest calendar version; version 0 (the bundled package alone) before any exists."""
    latest = CalendarVersion.objects.order_by("-number").values("number", "years", "days").first()
    if latest is None:
        return NO_CALENDAR_TABLE
    return snapshot.calendar_from_version(latest["number"], latest["years"], latest["days"])


@lru_cache(maxsize=64)
def calendar_for_version(number: int) -> WorkingCalendar:
    """The calendar of one recorded version, for recomputing an existing case's deadlines.

    Versions never change, so the answer is cached for the life of the process. Version 0 is
    the bundled package alone (what deadlines used before the table had a version). Raises
    ``CalendarVersion.DoesNotExist`` for an unknown number.
    """
    if not number:
        return calendar_for()
    row = CalendarVersion.objects.values("number", "years", "days").get(number=number)
    table = snapshot.calendar_from_version(row["number"], row["years"], row["days"])
    return calendar_for(table.days, table.years)


def draft_config() -> RulesConfig:
    """The snapshot with the rule book's latest revision (draft), for the simulator."""
    book = RuleBook.objects.first()
    if book is None:
        return config_from_database()
    draft = book.get_latest_revision_as_object()
    latest = RulesetVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    # Drafts carry the next version number they would get, negated, so they are never mistaken for live.
    return config_from_database(rulebook_content(draft), version=-(latest + 1))


class LiveConfig:
    """The process-wide cache of the live snapshot, refreshed when the configuration stamp moves."""

    def __init__(self, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._config: RulesConfig | None = None
        self._stamp: int | None = None
        self._checked_at = 0.0

    def get(self) -> RulesConfig:
        now = time.monotonic()
        if self._config is not None and now - self._checked_at < self.refresh_seconds:
            return self._config
        with self._lock:
            stamp = ConfigStamp.current()
            if self._config is None or stamp != self._stamp:
                self._config = config_from_database()
                self._stamp = stamp
            self._checked_at = time.monotonic()
            return self._config

    def invalidate(self) -> None:
        with self._lock:
            self._config = None
            self._stamp = None


live = LiveConfig()


def live_config() -> RulesConfig:
    return live.get()
