"""What the operator sees while typing: likely categories, an urgency hint, open cases at the address.

``suggest_categories`` is the one place the category guess comes from; it reads the live category
keywords today and is where a learned classifier plugs in (same return type).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from cases.duplicates import find_duplicates
from cms.lookup import grid_for_address, grid_for_point
from rules.loader import live_config
from rules.matching import KeywordHit
from rules.understanding import understand

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class CategorySuggestion:
    code: str
    name: str
    parent_name: str
    confidence: float  # 0–1
    keywords: tuple[str, ...]  # the words in the text that point to it


@dataclass(frozen=True)
class UrgencyHint:
    urgent: bool
    cues: tuple[str, ...]


def suggest_categories(text: str, limit: int = MAX_SUGGESTIONS) -> list[CategorySuggestion]:
    """Leaf categories the text points to, best first, with the same understanding routing uses.

    With a trained classifier (``rules.understanding``) the confidence is the classifier's calibrated
    probability, keywords included as evidence; without one, keyword evidence alone decides.
    """
    config = live_config()
    hits = config.matcher.find(text or "")
    if config.text_model is None:
        return _keyword_suggestions(hits, limit)
    reading = understand(text or "", hits, config)
    words = {code: [h.keyword for h in hits if h.leaf.code == code] for code in reading.suggestions}
    for code, evidence in reading.evidence.items():
        words.setdefault(code, []).extend(w for w in evidence if w not in words[code])
    out = []
    for code, score in zip(reading.suggestions[:limit], reading.suggestion_scores, strict=False):
        leaf = config.leaves[code]
        out.append(CategorySuggestion(code, leaf.name, leaf.parent_name, round(score, 2), tuple(words.get(code, ()))))
    return out


def _keyword_suggestions(hits: Sequence[KeywordHit], limit: int) -> list[CategorySuggestion]:
    """Keyword evidence only: each leaf's confidence is its share of the matched keyword characters,
    scaled by how much evidence there is at all (one short hit is a weak guess). The leaf the routing
    rules would pick (the leftmost hit) ranks first on ties.
    """
    if not hits:
        return []
    weight: dict[str, int] = {}
    words: dict[str, list[str]] = {}
    leaves = {}
    for order, hit in enumerate(hits):
        code = hit.leaf.code
        leaves.setdefault(code, (order, hit.leaf))
        weight[code] = weight.get(code, 0) + len(hit.keyword)
        if hit.keyword not in words.setdefault(code, []):
            words[code].append(hit.keyword)
    total = sum(weight.values())
    evidence = min(1.0, 0.5 + 0.1 * total)  # 2 characters → 0.7, 5 or more → 1.0
    ranked = sorted(weight, key=lambda code: (-weight[code], leaves[code][0]))
    return [
        CategorySuggestion(
            code=code,
            name=leaves[code][1].name,
            parent_name=leaves[code][1].parent_name,
            confidence=round(weight[code] / total * evidence, 2),
            keywords=tuple(words[code]),
        )
        for code in ranked[:limit]
    ]


def urgency_hint(text: str) -> UrgencyHint:
    """Urgent as routing would judge it: urgent keywords where danger is stated as happening now
    (not in 万一/担心/以前 clauses), or the classifier's urgency signal, with the words behind it."""
    config = live_config()
    hits = config.matcher.find(text or "")
    reading = understand(text or "", hits, config)
    cues = list(dict.fromkeys([*reading.urgent_keywords, *reading.urgent_cues]))
    return UrgencyHint(bool(cues) or reading.urgent_signal, tuple(cues))


@dataclass(frozen=True)
class OpenCaseAtAddress:
    ticket_number: str
    category_name: str
    status_label: str
    received_at: datetime
    reporters: int


def open_cases_nearby(
    categories: Sequence[str], *, address: str = "", lat: float | None = None, lng: float | None = None
) -> list[OpenCaseAtAddress]:
    """Open cases of the suggested categories at this address or within the duplicate radius."""
    now = timezone.now()
    found: dict[str, OpenCaseAtAddress] = {}
    for code in categories:
        for case in find_duplicates(category=code, address=address, lat=lat, lng=lng, now=now):
            found.setdefault(
                case.ticket_number,
                OpenCaseAtAddress(
                    case.ticket_number,
                    case.category.name if case.category_id else "",
                    case.get_status_display(),
                    case.received_at,
                    1 + case.repeat_count,
                ),
            )
    return list(found.values())


@dataclass(frozen=True)
class Place:
    """Where the register puts an address or a point: the grid and its community and subdistrict."""

    grid: str
    community: str
    subdistrict: str
    matched_by: str  # "address" or "point"


def locate(address: str = "", lat: float | None = None, lng: float | None = None) -> Place | None:
    match = grid_for_address(address) if address else None
    if match is None and lat is not None and lng is not None:
        match = grid_for_point(lat, lng)
    if match is None:
        return None
    grid = match.grid
    return Place(grid.name, grid.community.name, grid.community.subdistrict.name, match.matched_by)
