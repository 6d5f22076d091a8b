"""Template help for the classifier's suggestions: names and default leads from the live snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from rules.loader import live_config

register = template.Library()


@register.simple_tag
def category_suggestions(decision: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """For each suggested leaf of a stored decision: code, full name, default lead and its name."""
    codes = list((decision or {}).get("suggestions") or ())
    if not codes:
        return []
    config = live_config()
    out = []
    for code in codes:
        leaf = config.leaves.get(code)
        if leaf is None:
            continue
        department = config.departments.get(leaf.default_lead)
        lead_label = (
            department.name
            if department
            else {"grid": "网格", "community": "社区（村）"}.get(leaf.default_lead, leaf.default_lead)
        )
        out.append(
            {
                "code": code,
                "name": f"{leaf.parent_name} / {leaf.name}",
                "lead": leaf.default_lead,
                "lead_label": lead_label,
            }
        )
    return out
