"""Who can handle a case: a department, or the staff of the case's own area (网格, 社区（村）, 街道（镇）).

The one list of unit kinds: a category's default lead, an assignment's unit, the dispatch form
and the rules' simulation labels all read it.
"""

from __future__ import annotations

from django.db import models


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "部门"
    GRID = "grid", "网格"
    COMMUNITY = "community", "社区（村）"
    SUBDISTRICT = "subdistrict", "街道（镇）"


# The units named by the case's place rather than by a department code.
AREA_KINDS: tuple[UnitKind, ...] = (UnitKind.GRID, UnitKind.COMMUNITY, UnitKind.SUBDISTRICT)
