"""Turn one request (plus the earlier requests) into the flat facts the decision table tests.

Everything a routing row can ask about is computed here, in plain Python, before the engine
sees it: the matched categories and keywords, the departments the text mentions, where the
request is (grid, community, subdistrict) and how often the same problem was reported.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cms.geo import point_in_ring
from rules.deadlines import parse_received_at, zone
from rules.matching import KeywordHit, leaves_in_order
from rules.snapshot import GridInfo, RulesConfig
from rules.understanding import Understanding, understand

REPEAT_WINDOW = timedelta(hours=30 * 24)
_ADDRESS_DROP = str.maketrans("", "", " \t\r\n\u3000\u00a0\u200b\ufeff")


# --- location -----------------------------------------------------------------------------


def _address_key(address: str, prefixes: Sequence[str]) -> str:
    """Full-width to half-width, no whitespace, without leading province/city/district names."""
    key = unicodedata.normalize("NFKC", address).translate(_ADDRESS_DROP)
    stripped = True
    while stripped:
        stripped = False
        for prefix in prefixes:  # longest first, and start over after each strip
            if prefix and key.startswith(prefix):
                key = key[len(prefix) :]
                stripped = True
                break
    return key


@dataclass(frozen=True, slots=True)
class Location:
    grid: GridInfo | None
    source: str | None  # "address", "address_variant", "point" or None


class Locator:
    """Resolves an address (register first, then trivial variants) or a map point to one grid."""

    def __init__(self, config: RulesConfig) -> None:
        self._grids = config.grids
        self._exact = config.addresses
        prefixes = set(config.area_prefixes)
        # Residents often drop the administrative suffix: "济南历下区", "山东济南".
        prefixes |= {p[:-1] for p in config.area_prefixes if len(p) > 2 and p[-1] in "省市区县"}
        self._prefixes = tuple(sorted(prefixes, key=len, reverse=True))
        subdistrict_names = tuple(sorted(config.subdistricts.values(), key=len, reverse=True))
        full: dict[str, set[str]] = {}
        short: dict[str, set[str]] = {}
        for address, grid in config.addresses.items():
            key = _address_key(address, self._prefixes)
            full.setdefault(key, set()).add(grid)
            for name in subdistrict_names:
                if key.startswith(name):
                    short.setdefault(key[len(name) :], set()).add(grid)
                    break
        self._full = {k: next(iter(v)) for k, v in full.items() if len(v) == 1}
        self._short = {k: next(iter(v)) for k, v in short.items() if len(v) == 1}
        self._subdistrict_names = subdistrict_names
        self._by_first_char: dict[str, list[str]] = {}
        for key in (*self._full, *self._short):
            self._by_first_char.setdefault(key[:1], []).append(key)
        for keys in self._by_first_char.values():
            keys.sort(key=len, reverse=True)

    def by_address(self, address: str) -> Location:
        grid_code = self._exact.get(address)
        if grid_code is not None:
            return Location(self._grids.get(grid_code), "address")
        key = _address_key(address, self._prefixes)
        grid_code = self._full.get(key) or self._short.get(key)
        if grid_code is None:
            grid_code = self._by_prefix(key)
        if grid_code is None:
            return Location(None, None)
        return Location(self._grids.get(grid_code), "address_variant")

    def _by_prefix(self, key: str) -> str | None:
        """A registered building followed by unit/room detail ("…3号楼2单元702室")."""
        grids: set[str] = set()
        best = 0
        for candidate in self._by_first_char.get(key[:1], ()):
            if len(candidate) < best:
                break
            if key.startswith(candidate):
                best = len(candidate)
                grids.add(self._full.get(candidate) or self._short[candidate])
        return next(iter(grids)) if len(grids) == 1 else None

    def by_point(self, lng: float, lat: float) -> Location:
        for grid in self._grids.values():
            box = grid.bbox
            if box is None or not (box[0] <= lng <= box[2] and box[1] <= lat <= box[3]):
                continue
            for polygon in grid.boundary:
                if polygon and point_in_ring(lng, lat, polygon[0]):
                    if not any(point_in_ring(lng, lat, hole) for hole in polygon[1:]):
                        return Location(grid, "point")
        return Location(None, None)


def read_point(request: Mapping[str, Any]) -> tuple[float, float] | None:
    """(lng, lat) from ``point`` ({"lat", "lng"}; "lon"/"longitude"/"latitude" or [lng, lat] too)."""
    point = request.get("point") or request.get("location")
    if not point:
        return None
    try:
        if isinstance(point, Mapping):
            lng = point.get("lng", point.get("lon", point.get("longitude")))
            lat = point.get("lat", point.get("latitude"))
            if lng is None or lat is None:
                return None
            return float(lng), float(lat)
        if isinstance(point, Sequence) and not isinstance(point, str) and len(point) >= 2:
            return float(point[0]), float(point[1])
    except (TypeError, ValueError):
        return None
    return None


def locate(request: Mapping[str, Any], config: RulesConfig) -> Location:
    """The register is authoritative for addresses; a point is used when the address does not resolve."""
    locator = config.locator
    address = request.get("address")
    if isinstance(address, str) and address.strip():
        found = locator.by_address(address)
        if found.grid is not None:
            return found
    point = read_point(request)
    if point is not None:
        return locator.by_point(*point)
    return Location(None, None)


# --- repeat count -------------------------------------------------------------------------


def repeat_count(
    address: str | None,
    leaf_code: str | None,
    received_at: datetime,
    history: Sequence[Mapping[str, Any]],
    config: RulesConfig,
) -> int:
    """Earlier requests at the very same address string with the same leaf within 30×24 h, plus this one."""
    if not address or not leaf_code:
        return 1
    tz = zone(config.timezone)
    earliest = received_at - REPEAT_WINDOW
    count = 1
    for item in history:
        if item.get("address") != address:
            continue
        category = item.get("category")
        if not category and item.get("text"):
            hits = config.matcher.find(str(item["text"]))
            category = hits[0].leaf.code if hits else None
        if category != leaf_code or not item.get("received_at"):
            continue
        try:
            when = parse_received_at(item["received_at"], tz)
        except (TypeError, ValueError):
            continue
        if earliest <= when <= received_at:
            count += 1
    return count


# --- all features -------------------------------------------------------------------------


def departments_in_order(hits: Sequence[KeywordHit]) -> tuple[str, ...]:
    """Distinct departments (``dept-*`` default leads) of the hit leaves, by first mention."""
    seen: dict[str, None] = {}
    for leaf in leaves_in_order(hits):
        if leaf.lead_is_department:
            seen.setdefault(leaf.default_lead, None)
    return tuple(seen)


def departments_asked(
    understanding: Understanding, hits: Sequence[KeywordHit], text: str, config: RulesConfig
) -> tuple[str, ...]:
    """The departments of the problems the text asks to be handled: the category first, then second problems.

    Without a classifier this is every keyword leaf's department by first mention (the
    reference semantics). With one, another keyword leaf counts only when the classifier ranks
    it among its suggestions (or found it as a second problem) and the keyword is stated as a
    problem: not only inside a worry or a memory, and not only as a modifier of another noun
    ("推着轮椅的老人" mentions a wheelchair in passing).
    """
    if config.text_model is None or understanding.category is None:
        return departments_in_order(hits)
    wanted = {understanding.category, *understanding.suggestions, *understanding.secondary}
    passing = understanding.marked_keywords
    stated = {h.leaf.code for h in hits if h.keyword not in passing and not _attributive(text, h)}
    codes = [understanding.category]
    codes += [leaf.code for leaf in leaves_in_order(hits) if leaf.code in wanted and leaf.code in stated]
    codes += list(understanding.secondary)
    seen: dict[str, None] = {}
    for code in codes:
        leaf = config.leaves.get(code)
        if leaf is not None and leaf.lead_is_department:
            seen.setdefault(leaf.default_lead, None)
    return tuple(seen)


def _attributive(text: str, hit: KeywordHit) -> bool:
    """ "X的Y": the keyword describes the noun after it instead of naming a problem."""
    return text[hit.end : hit.end + 1] == "的"


def extract_features(
    request: Mapping[str, Any], history: Sequence[Mapping[str, Any]], config: RulesConfig
) -> dict[str, Any]:
    """The flat facts of one request; ``hits`` keeps the keyword hits for explanations."""
    tz = zone(config.timezone)
    raw_received = request.get("received_at")
    received_at = parse_received_at(raw_received, tz) if raw_received else datetime.now(tz)
    text = str(request.get("text") or "")
    hits = config.matcher.find(text)
    understanding = understand(text, hits, config)
    leaf = config.leaves.get(understanding.category or "")
    departments = departments_asked(understanding, hits, text, config)
    hypothetical = understanding.marked_keywords
    location = locate(request, config)
    grid = location.grid
    address = request.get("address") if isinstance(request.get("address"), str) else None
    return {
        "type": str(request.get("type") or "").strip() or None,
        "received_at": received_at,
        "category": leaf.code if leaf else None,
        "category_name": leaf.name if leaf else None,
        "top_category": leaf.parent_code if leaf else None,
        "hit_leaves": tuple(lf.code for lf in leaves_in_order(hits)),
        "hit_keywords": tuple(h.keyword for h in hits),
        "fact_keywords": tuple(h.keyword for h in hits if h.keyword not in hypothetical),
        "urgent_keywords_hit": understanding.urgent_keywords,
        "urgent_by_keyword": bool(understanding.urgent_keywords),
        "urgent_signal": understanding.urgent_signal,
        "urgent_probability": understanding.urgent_probability,
        "urgent_cues": understanding.urgent_cues,
        "category_confidence": understanding.confidence,
        "category_source": understanding.source,
        "suggestions": understanding.suggestions,
        "secondary_categories": understanding.secondary,
        "category_evidence": understanding.evidence,
        "understanding_reason": understanding.reason,
        "departments": departments,
        "departments_involved": len(departments),
        "grid": grid.code if grid else None,
        "community": grid.community_code if grid else None,
        "subdistrict": grid.subdistrict_code if grid else None,
        "location_source": location.source,
        "repeat_count": repeat_count(address, leaf.code if leaf else None, received_at, history, config),
        "hits": tuple(hits),
    }
