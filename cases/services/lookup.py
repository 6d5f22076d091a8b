"""A resident finding their own case by ticket number and phone, and the case as the public sees it."""

from __future__ import annotations

import re

from django.db.models import Prefetch, QuerySet

from ..models import Assignment, Case, CaseEvent


def find_case_for_resident(ticket_number: str, phone: str) -> Case | None:
    """A resident's own case: the ticket number and the phone they gave must both match.

    A merged ticket is still the resident's own case (status 已合并); its ``merged_into`` (loaded
    with it) is the case they now follow: show ``cases.duplicates.merged_summary`` and
    ``merged_notice`` (“该问题已有人反映，正在办理中”) with that case's public status.
    """
    ticket = str(ticket_number or "").strip().upper()
    digits = re.sub(r"\D", "", str(phone or ""))
    if not ticket or len(digits) < 6:
        return None
    case = Case.objects.select_related("merged_into__category").filter(ticket_number=ticket).first()
    if case is None or re.sub(r"\D", "", case.reporter_phone) != digits:
        return None
    return case


def case_queryset() -> QuerySet[Case]:
    """A case with everything the resident pages and the API's ``Case`` show, in a fixed number of queries."""
    return Case.objects.select_related(
        "category__default_lead_department", "grid", "community", "subdistrict", "merged_into__category"
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("department").order_by("pk")),
        Prefetch("events", queryset=CaseEvent.objects.filter(public=True).order_by("at", "pk")),
    )
