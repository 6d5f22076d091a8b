"""The worker's task for e-mail and SMS; retrying it after a success sends nothing (see ``services.deliver``)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notice(notice_id: int) -> str:
    from .services import deliver

    return deliver(notice_id)
