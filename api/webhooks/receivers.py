"""Case events become webhook events without ``cases`` knowing about the API.

``cases`` writes an append-only ``CaseEvent`` for every transition, inside the transition's
transaction; this receiver turns the five kinds partners subscribe to into :func:`emit` calls.
A failure here is logged and rolled back to a savepoint: a webhook never costs a case.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from api.conf import api_setting
from api.models import WebhookEvent, WebhookSubscription
from cases.models import Assignment, CaseEvent, EventKind
from cms.units import UnitKind

logger = logging.getLogger("api.webhooks")

EVENTS: dict[str, WebhookEvent] = {
    EventKind.RECEIVED: WebhookEvent.CASE_CREATED,
    EventKind.DISPATCHED: WebhookEvent.CASE_DISPATCHED,
    EventKind.REDISPATCHED: WebhookEvent.CASE_DISPATCHED,
    EventKind.ACKNOWLEDGED: WebhookEvent.CASE_ACKNOWLEDGED,
    EventKind.ESCALATED: WebhookEvent.CASE_ESCALATED,
    EventKind.RESOLVED: WebhookEvent.CASE_RESOLVED,
}


def case_event_saved(sender: Any, instance: CaseEvent, created: bool, raw: bool = False, **kwargs: Any) -> None:
    event = EVENTS.get(instance.kind)
    if raw or not created or event is None or not api_setting("WEBHOOK_EMIT_ON_CASE_EVENTS"):
        return
    if not WebhookSubscription.objects.filter(active=True).exists():
        return
    from . import emit

    case = instance.case
    try:
        with transaction.atomic():
            departments = list(
                Assignment.objects.filter(case_id=case.pk, active=True, unit_kind=UnitKind.DEPARTMENT)
                .order_by("-role", "pk")
                .values_list("unit_code", flat=True)
            )
            data: dict[str, Any] = {"status": instance.to_status or case.status, "departments": departments}
            if instance.kind == EventKind.ESCALATED:
                data["escalationLevel"] = case.escalation_level
            if instance.kind == EventKind.ACKNOWLEDGED and instance.assignment is not None:
                data["acknowledgedBy"] = instance.assignment.unit_code
            emit(event, case, departments=departments, data=data)
    except Exception:
        logger.exception("could not record webhook %s for case %s", event, case.ticket_number)


def notice_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Each publish of a notice (also a correction) is one ``notice.published`` event."""
    if not WebhookSubscription.objects.filter(active=True).exists():
        return
    from api.notices.types import notice_payload

    from . import emit

    try:
        with transaction.atomic():
            emit(WebhookEvent.NOTICE_PUBLISHED, None, data=notice_payload(instance))
    except Exception:
        logger.exception("could not record webhook notice.published for page %s", instance.pk)


def connect() -> None:
    from wagtail.signals import page_published

    from notices.models import NoticePage

    post_save.connect(case_event_saved, sender=CaseEvent, dispatch_uid="api.webhooks.case_event_saved")
    page_published.connect(notice_published, sender=NoticePage, dispatch_uid="api.webhooks.notice_published")
