"""A resident finding their own case by ticket number and phone, and the case as the public sees it."""

from __future__ import annotations

import re
import secrets

from django.db.models import Prefetch, QuerySet

from ..models import Assignment, Case, CaseEvent
from ..tracking import normalize_code


def find_case_for_resident(ticket_number: str, phone: str) -> Case | None:
    """A resident's own case: the ticket number and the phone they gave (or the check code) must match.

    Callers facing outsiders go through ``cases.tracking.find_own_case``, which counts the misses.

    A merged ticket is still the resident's own case (status 已合并); its ``merged_into`` (loaded
    with it) is the case they now follow: show ``cases.duplicates.merged_summary`` and
    ``merged_notice`` (“该问题已有人反映，正在办理中”) with that case's public status.
    """
    ticket = str(ticket_number or "").strip().upper()
    digits = re.sub(r"\D", "", str(phone or ""))
    code = normalize_code(phone)  # the check code (查询码) proves it as well as the phone
    if not ticket or (len(digits) < 6 and not code):
        return None
    case = Case.objects.select_related("merged_into__category").filter(ticket_number=ticket).first()
    if case is None:
        return None
    if code:
        return case if case.check_code and secrets.compare_digest(case.check_code, code) else None
    return case if re.sub(r"\D", "", case.reporter_phone) == digits else None


def case_queryset() -> QuerySet[Case]:
    """A case with everything the resident pages and the API's ``Case`` show, in a fixed number of queries."""
    return Case.objects.select_related(
        "category__default_lead_department", "grid", "community", "subdistrict", "merged_into__category"
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("department").order_by("pk")),
        Prefetch("events", queryset=CaseEvent.objects.filter(public=True).order_by("at", "pk")),
    )
