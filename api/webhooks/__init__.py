"""Case events for partner systems: ``emit(event, case)`` records one delivery per matching
subscription inside the caller's transaction and queues them once it commits.

The cases app calls, for example::

    from api.webhooks import emit
    emit("case.acknowledged", case, departments=["dept-civil"])

``case`` needs ``ticket_number`` and ``status``; ``departments`` (codes) lets subscriptions that
are limited to some departments receive only their cases; ``data`` adds JSON-safe fields to the
payload. The payload never carries the reporter's name, phone or text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = ["WebhookEvent", "emit"]


def _subscriptions(event: str, departments: frozenset[str] | None) -> list[WebhookSubscription]:
    candidates = (
        WebhookSubscription.objects.filter(active=True)
        .filter(Q(partner_key__isnull=True) | Q(partner_key__revoked_at__isnull=True))
        .prefetch_related("departments")
        .order_by("pk")
    )
    matched = []
    for subscription in candidates:
        if event not in (subscription.events or []):
            continue
        limited_to = {d.code for d in subscription.departments.all()}
        if limited_to and not (departments and limited_to & departments):
            continue
        matched.append(subscription)
    return matched


def emit(
    event: str | WebhookEvent,
    case: Any | None,
    *,
    departments: Iterable[str] | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[int]:
    """Record the deliveries of ``event`` for ``case``; returns their ids. Safe inside a transaction:
    the rows roll back with it, and nothing is sent before it commits."""
    event = WebhookEvent(event)
    codes = frozenset(departments) if departments is not None else None
    subscriptions = _subscriptions(event.value, codes)
    if not subscriptions:
        return []
    ticket = str(getattr(case, "ticket_number", "") or "")
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "event": event.value,
        "occurredAt": timezone.localtime().isoformat(),
        # An event about something other than a case (a notice) carries only its ``data``.
        "data": {
            **({"ticketNumber": ticket, "status": str(getattr(case, "status", "") or "")} if case is not None else {}),
            **json.loads(json.dumps(dict(data or {}), cls=DjangoJSONEncoder)),
        },
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription,
            event=event.value,
            event_id=payload["id"],
            ticket_number=ticket[:64],
            payload=payload,
        )
        for subscription in subscriptions
    )
    ids = [delivery.pk for delivery in deliveries]

    def enqueue() -> None:
        from .delivery import schedule

        for delivery_id in ids:
            schedule(delivery_id)

    transaction.on_commit(enqueue)
    return ids
