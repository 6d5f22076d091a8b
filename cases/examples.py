"""A dispatcher who sets or corrects a case's category proposes the case as a 示例诉求 for review.

Connected to the case timeline (``CaseEvent``): a dispatch or re-dispatch whose category differs
from what the rules decided creates one candidate example per case, which a reviewer confirms
or rejects in the admin before the classifier learns from it.
"""

from __future__ import annotations

from typing import Any

from cms.models import ExampleRequest, ExampleSource, ExampleStatus, Urgency

from .models import CaseEvent, EventKind

DISPATCH_KINDS = frozenset({EventKind.DISPATCHED, EventKind.REDISPATCHED})


def propose_example(sender: Any, instance: CaseEvent, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw or instance.kind not in DISPATCH_KINDS:
        return
    case = instance.case
    if case.category_id is None or not case.text.strip():
        return
    decided = (case.decision or {}).get("category") or ""
    if case.category is None or case.category.code == decided:
        return
    ExampleRequest.objects.update_or_create(
        case_ticket=case.ticket_number,
        defaults={
            "category_id": case.category_id,
            "text": case.text,
            "urgent": case.urgency == Urgency.URGENT,
            "status": ExampleStatus.CANDIDATE,
            "source": ExampleSource.DISPATCHER,
            "previous_category": decided,
            "note": f"{instance.actor_label or '调度员'}派单时{'改为' if decided else '选定'}此分类",
        },
    )
