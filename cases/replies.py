"""Reply templates offered to staff on a case: the ones for its category and usage, filled in for it."""

from __future__ import annotations

from django.utils import timezone

from cms.models import ReplyTemplate

from .escalation import local_zone
from .models import Assignment, Case

# The text a case action's input holds, per template usage.
USAGE_OF_ACTION = {
    "give_feedback": "feedback",
    "assignment_feedback": "feedback",
    "resolve": "resolve",
    "record_callback": "callback",
}


def placeholder_values(case: Case) -> dict[str, str]:
    """The values of {工单号} {地址} {分类} {承办单位} {受理时间} for this case (plain text)."""
    lead = next(
        (a for a in case.assignments.select_related("department") if a.active and a.role == Assignment.Role.LEAD),
        None,
    )
    return {
        "工单号": case.ticket_number,
        "地址": case.address,
        "分类": case.category.name if case.category is not None else "",
        "承办单位": lead.unit_label if lead else "",
        "受理时间": timezone.localtime(case.received_at, local_zone()).strftime("%Y年%m月%d日 %H:%M"),
    }


def templates_for(case: Case, usage: str) -> list[tuple[ReplyTemplate, str]]:
    """Active templates for the case's category (or for all) and this usage (feedback/resolve/callback),
    each with its text rendered for the case, in the administrators' order."""
    field = ReplyTemplate.usage_field(usage)
    templates = list(
        ReplyTemplate.objects.for_category(case.category if case.category_id else None)
        .filter(active=True, **{field: True})
        .order_by("sort_order", "id")
    )
    if not templates:
        return []
    values = placeholder_values(case)
    return [(template, template.render(values)) for template in templates]
