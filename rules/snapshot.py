"""An immutable snapshot of everything a routing decision depends on.

The decision core never reads the database: the CMS (or the reference files, via
``load_reference``) is turned into one ``RulesConfig`` value, and that value is all ``decide``
sees. The ``*_from_reference`` builders take the neutral JSON format of ``data/jinan/`` (which
is also the format of a published ``RulesetVersion.content``), so a database-backed builder can
reuse them piece by piece.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rules.calendar import WorkingCalendar
    from rules.features import Locator
    from rules.matching import KeywordMatcher

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]

AREA_LEADS = ("grid", "community", "subdistrict")
FIRST_MENTIONED_DEPARTMENT = "$first_mentioned_department"
OTHER_MENTIONED_DEPARTMENTS = "$other_mentioned_departments"
DEPARTMENT_PREFIX = "dept-"


@dataclass(frozen=True, slots=True)
class CategoryLeaf:
    """A leaf of the request category tree; only leaves are routed."""

    code: str
    name: str
    parent_code: str
    parent_name: str
    default_lead: str
    keywords: tuple[str, ...] = ()
    urgent_keywords: tuple[str, ...] = ()

    @property
    def lead_is_department(self) -> bool:
        return self.default_lead.startswith(DEPARTMENT_PREFIX)


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    kind: str = ""


@dataclass(frozen=True)
class GridInfo:
    """A grid with its place in the hierarchy and its boundary.

    ``boundary`` holds one or more polygons, each as rings of (lng, lat) in GeoJSON order
    (outer ring first, then holes). ``alley_code`` is set when all of the grid's registered
    addresses lie on one alley.
    """

    code: str
    name: str
    community_code: str
    subdistrict_code: str
    alley_code: str | None = None
    boundary: tuple[Polygon, ...] = ()
    admin_code: str = ""

    @cached_property
    def bbox(self) -> tuple[float, float, float, float] | None:
        points = [pt for polygon in self.boundary for ring in polygon[:1] for pt in ring]
        if not points:
            return None
        lngs = [p[0] for p in points]
        lats = [p[1] for p in points]
        return min(lngs), min(lats), max(lngs), max(lats)


@dataclass(frozen=True, slots=True)
class RowConditions:
    """The ``when`` of a routing row; an empty tuple or None means "no condition"."""

    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    keywords_any: tuple[str, ...] = ()
    subdistricts: tuple[str, ...] = ()
    urgent: bool | None = None
    repeat_count_gte: int | None = None
    departments_involved_gte: int | None = None
    confidence_gte: float | None = None  # the classifier's confidence in the category
    urgent_signal: bool | None = None  # the classifier's urgency signal
    secondary_present: bool | None = None  # the text asks for a second problem to be handled

    def is_empty(self) -> bool:
        return not (
            self.types
            or self.categories
            or self.keywords_any
            or self.subdistricts
            or self.urgent is not None
            or self.repeat_count_gte is not None
            or self.departments_involved_gte is not None
            or self.confidence_gte is not None
            or self.urgent_signal is not None
            or self.secondary_present is not None
        )


@dataclass(frozen=True, slots=True)
class RowActions:
    """The ``then`` of a routing row; None means "leave unchanged"."""

    lead: str | None = None
    co_handlers: tuple[str, ...] = ()
    whistle: bool | None = None
    urgent: bool | None = None
    escalate_to_level: int | None = None

    def is_empty(self) -> bool:
        return (
            self.lead is None
            and not self.co_handlers
            and not self.whistle
            and not self.urgent
            and self.escalate_to_level is None
        )


@dataclass(frozen=True, slots=True)
class RoutingRow:
    code: str
    priority: int
    description: str = ""
    when: RowConditions = field(default_factory=RowConditions)
    then: RowActions = field(default_factory=RowActions)


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    level: int
    code: str
    name: str
    handlers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EscalationTrigger:
    code: str
    event: str
    levels_up: int = 1


@dataclass(frozen=True, slots=True)
class SlaRow:
    type: str
    urgency: str
    feedback_same_day: bool
    feedback_working_days: int | None
    complete_working_days: int
    ack_hours: int


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    """A day that differs from the plain Mon–Fri week (a holiday on a weekday, a make-up workday)."""

    date: date
    is_working_day: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class CalendarTable:
    """One version of the administrators' working calendar, ready for ``calendar_for``."""

    version: int
    days: tuple[CalendarOverride, ...]
    years: tuple[tuple[int, bool], ...]


def calendar_from_version(number: int, years: Mapping[str, str], days: Iterable[Mapping[str, Any]]) -> CalendarTable:
    """A ``CalendarVersion``'s stored JSON (years → status, days) as snapshot values."""
    return CalendarTable(
        version=int(number),
        days=tuple(
            sorted(
                (CalendarOverride(date.fromisoformat(d["date"]), bool(d["working"]), d.get("name", "")) for d in days),
                key=lambda o: o.date,
            )
        ),
        years=tuple(sorted((int(year), status == "official") for year, status in years.items())),
    )


_K = TypeVar("_K")
_V = TypeVar("_V")


def frozen_map(items: Mapping[_K, _V] | Iterable[tuple[_K, _V]]) -> Mapping[_K, _V]:
    """A read-only mapping for the snapshot's lookup tables."""
    return MappingProxyType(dict(items))


_frozen_map = frozen_map


@dataclass(frozen=True, eq=False)
class RulesConfig:
    """Everything ``decide`` needs, frozen; derived indexes are built lazily once per snapshot."""

    version: int
    categories: tuple[CategoryLeaf, ...]
    top_categories: Mapping[str, str]
    departments: Mapping[str, Department]
    subdistricts: Mapping[str, str]
    communities: Mapping[str, str]
    grids: Mapping[str, GridInfo]
    addresses: Mapping[str, str]
    routing: tuple[RoutingRow, ...]
    escalation_levels: tuple[EscalationLevel, ...]
    escalation_triggers: tuple[EscalationTrigger, ...]
    escalation_cap: int
    sla: tuple[SlaRow, ...]
    calendar_overrides: tuple[CalendarOverride, ...] = ()
    calendar_years: tuple[tuple[int, bool], ...] = ()
    calendar_version: int = 0
    request_types: tuple[str, ...] = ("咨询", "建议", "求助", "举报", "投诉")
    timezone: str = "Asia/Shanghai"
    area_prefixes: tuple[str, ...] = ()
    text_model: Any = None  # a ``classifier.model.TextModel``; None decides by keywords alone
    model_version: str = ""
    auto_dispatch_confidence: float = 0.3

    @cached_property
    def leaves(self) -> Mapping[str, CategoryLeaf]:
        return frozen_map((leaf.code, leaf) for leaf in self.categories)

    @cached_property
    def matcher(self) -> KeywordMatcher:
        from rules.matching import KeywordMatcher

        return KeywordMatcher(self.categories)

    @cached_property
    def locator(self) -> Locator:
        from rules.features import Locator

        return Locator(self)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        from rules.calendar import calendar_for

        return calendar_for(self.calendar_overrides, self.calendar_years)

    @cached_property
    def application_order(self) -> Mapping[int, int]:
        """Row index -> position in application order (priority ascending, table order among equals)."""
        order = sorted(range(len(self.routing)), key=lambda i: self.routing[i].priority)
        return frozen_map((index, position) for position, index in enumerate(order))

    @cached_property
    def tests_urgency(self) -> bool:
        """Whether any row's conditions read the urgency decided so far."""
        return any(row.when.urgent is not None for row in self.routing)

    @cached_property
    def routing_fingerprint(self) -> str:
        """A digest of everything the compiled routing depends on, computed once per snapshot."""
        content = repr((self.routing, sorted(self.top_categories)))
        return hashlib.sha256(content.encode("utf-8")).hexdigest()

    @cached_property
    def escalation_fingerprint(self) -> str:
        return hashlib.sha256(repr(self.escalation_triggers).encode("utf-8")).hexdigest()

    def sla_row(self, request_type: str, urgent: bool) -> SlaRow:
        urgency = "urgent" if urgent else "normal"
        for row in self.sla:
            if row.type == request_type and row.urgency == urgency:
                return row
        raise KeyError(f"没有为诉求类型“{request_type}”（{urgency}）配置办理时限")

    def escalation_level_info(self, level: int) -> EscalationLevel | None:
        for info in self.escalation_levels:
            if info.level == level:
                return info
        return None


# --- builders from the neutral reference format ---------------------------------------------


def categories_from_reference(doc: Mapping[str, Any]) -> tuple[tuple[CategoryLeaf, ...], Mapping[str, str]]:
    """Leaves (in file order) and top-level names from ``categories.json``."""
    leaves: list[CategoryLeaf] = []
    tops: dict[str, str] = {}
    for top in doc.get("categories", []):
        tops[top["id"]] = top["name"]
        for child in top.get("children", []):
            leaves.append(
                CategoryLeaf(
                    code=child["id"],
                    name=child["name"],
                    parent_code=child.get("parent") or top["id"],
                    parent_name=top["name"],
                    default_lead=child.get("default_lead", ""),
                    keywords=tuple(child.get("keywords") or ()),
                    urgent_keywords=tuple(child.get("urgent_keywords") or ()),
                )
            )
    return tuple(leaves), frozen_map(tops)


def departments_from_reference(doc: Mapping[str, Any]) -> Mapping[str, Department]:
    return frozen_map(
        (d["id"], Department(code=d["id"], name=d["name"], kind=d.get("kind", ""))) for d in doc.get("departments", [])
    )


def boundary_from_geojson(geometry: Mapping[str, Any] | None) -> tuple[Polygon, ...]:
    """GeoJSON Polygon/MultiPolygon to the snapshot's tuples; anything else means no boundary."""
    if not geometry:
        return ()
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return tuple(tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon) for polygon in polygons)


_boundary = boundary_from_geojson


@dataclass(frozen=True, slots=True)
class Regions:
    subdistricts: Mapping[str, str]
    communities: Mapping[str, str]
    grids: Mapping[str, GridInfo]
    addresses: Mapping[str, str]
    area_prefixes: tuple[str, ...]


def regions_from_reference(doc: Mapping[str, Any]) -> Regions:
    """Subdistricts, communities, grids and the address register from ``regions.json``."""
    district = doc.get("district", {})
    subdistricts: dict[str, str] = {}
    communities: dict[str, str] = {}
    grids: dict[str, GridInfo] = {}
    addresses: dict[str, str] = {}
    for sd in district.get("subdistricts", []):
        subdistricts[sd["id"]] = sd["name"]
        for com in sd.get("communities", []):
            communities[com["id"]] = com["name"]
            for grid in com.get("grids", []):
                alleys = {a.get("alley") for a in grid.get("addresses", [])}
                grids[grid["id"]] = GridInfo(
                    code=grid["id"],
                    name=grid.get("name", grid["id"]),
                    community_code=com["id"],
                    subdistrict_code=sd["id"],
                    alley_code=next(iter(alleys)) if len(alleys) == 1 else None,
                    boundary=boundary_from_geojson(grid.get("boundary")),
                    admin_code=str(grid.get("code", "")),
                )
                for entry in grid.get("addresses", []):
                    addresses[entry["address"]] = grid["id"]
    prefixes = tuple(p for p in (district.get("province"), district.get("city"), district.get("name")) if p)
    return Regions(
        subdistricts=frozen_map(subdistricts),
        communities=frozen_map(communities),
        grids=frozen_map(grids),
        addresses=frozen_map(addresses),
        area_prefixes=prefixes,
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


def routing_row_from_reference(row: Mapping[str, Any]) -> RoutingRow:
    when = row.get("when") or {}
    then = row.get("then") or {}
    return RoutingRow(
        code=row["id"],
        priority=int(row.get("priority", 100)),
        description=row.get("description", ""),
        when=RowConditions(
            types=tuple(when.get("type") or ()),
            categories=tuple(when.get("category") or ()),
            keywords_any=tuple(when.get("keywords_any") or ()),
            subdistricts=tuple(when.get("subdistrict") or ()),
            urgent=_bool_or_none(when.get("urgent")),
            repeat_count_gte=_int_or_none(when.get("repeat_count_gte")),
            departments_involved_gte=_int_or_none(when.get("departments_involved_gte")),
            confidence_gte=_float_or_none(when.get("confidence_gte")),
            urgent_signal=_bool_or_none(when.get("urgent_signal")),
            secondary_present=_bool_or_none(when.get("secondary_present")),
        ),
        then=RowActions(
            lead=then.get("lead") or None,
            co_handlers=tuple(then.get("co_handlers") or ()),
            whistle=_bool_or_none(then.get("whistle")),
            urgent=_bool_or_none(then.get("urgent")),
            escalate_to_level=_int_or_none(then.get("escalate_to_level")),
        ),
    )


@dataclass(frozen=True, slots=True)
class RuleBookParts:
    routing: tuple[RoutingRow, ...]
    levels: tuple[EscalationLevel, ...]
    triggers: tuple[EscalationTrigger, ...]
    cap: int


def rulebook_from_reference(doc: Mapping[str, Any]) -> RuleBookParts:
    """Routing rows and the escalation ladder from ``rules.json`` (or a published version's content)."""
    escalation = doc.get("escalation") or {}
    levels = tuple(
        EscalationLevel(
            level=int(lv["level"]), code=lv["code"], name=lv["name"], handlers=tuple(lv.get("handlers") or ())
        )
        for lv in escalation.get("levels", [])
    )
    triggers = tuple(
        EscalationTrigger(code=t["id"], event=t["event"], levels_up=int(t.get("levels_up", 1)))
        for t in escalation.get("triggers", [])
    )
    cap = escalation.get("cap")
    if cap is None:
        cap = max((lv.level for lv in levels), default=0)
    return RuleBookParts(
        routing=tuple(routing_row_from_reference(r) for r in doc.get("routing", [])),
        levels=levels,
        triggers=triggers,
        cap=int(cap),
    )


def sla_from_reference(doc: Mapping[str, Any]) -> tuple[tuple[SlaRow, ...], tuple[str, ...], str]:
    rows = tuple(
        SlaRow(
            type=r["type"],
            urgency=r["urgency"],
            feedback_same_day=bool(r.get("feedback_same_day")),
            feedback_working_days=_int_or_none(r.get("feedback_working_days")),
            complete_working_days=int(r["complete_working_days"]),
            ack_hours=int(r["ack_hours"]),
        )
        for r in doc.get("rows", [])
    )
    types = tuple(doc.get("request_types") or dict.fromkeys(r.type for r in rows))
    return rows, types, doc.get("timezone", "Asia/Shanghai")


def _read(data_dir: Path, name: str) -> dict[str, Any]:
    with (data_dir / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def load_reference(
    data_dir: Path, version: int = 0, calendar_overrides: Iterable[CalendarOverride] = ()
) -> RulesConfig:
    """Build a snapshot from the reference JSON files exactly as they are shipped."""
    data_dir = Path(data_dir)
    leaves, tops = categories_from_reference(_read(data_dir, "categories.json"))
    regions = regions_from_reference(_read(data_dir, "regions.json"))
    book = rulebook_from_reference(_read(data_dir, "rules.json"))
    sla_rows, request_types, tz = sla_from_reference(_read(data_dir, "sla.json"))
    return RulesConfig(
        version=version,
        categories=leaves,
        top_categories=tops,
        departments=departments_from_reference(_read(data_dir, "departments.json")),
        subdistricts=regions.subdistricts,
        communities=regions.communities,
        grids=regions.grids,
        addresses=regions.addresses,
        routing=book.routing,
        escalation_levels=book.levels,
        escalation_triggers=book.triggers,
        escalation_cap=book.cap,
        sla=sla_rows,
        calendar_overrides=tuple(sorted(calendar_overrides, key=lambda o: o.date)),
        request_types=request_types,
        timezone=tz,
        area_prefixes=regions.area_prefixes,
    )
