"""A resident finding their own case by ticket number and phone."""

from __future__ import annotations

import re

from ..models import (
    Case,
)


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
