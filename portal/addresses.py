"""The address register as the resident pages use it: suggestions while typing, address → grid and its staff."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms.lookup import grid_for_address, grid_staff, normalize_address
from cms.models import Address, Grid, StaffMember, StaffRole

SUGGEST_LIMIT = 8
_HOUSE_NUMBER_RE = re.compile(r"[0-9０-９].*$")
_DIGIT_RE = re.compile(r"[0-9０-９]")


def suggest_addresses(text: str, limit: int = SUGGEST_LIMIT) -> list[str]:
    """Register addresses starting with the input, then those containing it (two indexed-size queries)."""
    key = normalize_address(text or "")
    if not key:
        return []
    found = list(
        Address.objects.filter(address__startswith=key).order_by("address").values_list("address", flat=True)[:limit]
    )
    if len(found) < limit:
        found += (
            Address.objects.filter(address__contains=key)
            .exclude(address__startswith=key)
            .order_by("address")
            .values_list("address", flat=True)[: limit - len(found)]
        )
    return found


def nearby_addresses(text: str, limit: int = SUGGEST_LIMIT) -> list[str]:
    """For an address not in the register: the same street without the house number."""
    return suggest_addresses(text, limit) or suggest_addresses(_HOUSE_NUMBER_RE.sub("", normalize_address(text)), limit)


def mask_address(address: str) -> str:
    """芙蓉街16号 → 芙蓉街**号: a shared screen shows the street, not the door."""
    return _DIGIT_RE.sub("*", address or "")


@dataclass(frozen=True)
class GridContacts:
    address: str
    grid: Grid
    leaders: list[StaffMember]
    workers: list[StaffMember]


def grid_contacts(address: str) -> GridContacts | None:
    """The grid of a register address with its active leader and workers (two queries), or None."""
    match = grid_for_address(address)
    if match is None:
        return None
    staff = grid_staff(match.grid)
    return GridContacts(
        address=match.address or address,
        grid=match.grid,
        leaders=[s for s in staff if s.role == StaffRole.GRID_LEADER],
        workers=[s for s in staff if s.role == StaffRole.GRID_WORKER],
    )
