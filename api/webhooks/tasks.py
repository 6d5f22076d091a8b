"""The task the worker runs for each webhook delivery (django-tasks; retries re-enqueue with a delay)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    from .delivery import attempt_delivery

    return str(attempt_delivery(delivery_id))
