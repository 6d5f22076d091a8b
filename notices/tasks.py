"""Sending a notice's SMS off the request path: publishing a page never waits for a gateway."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_notice_messages(notice_id: int) -> int:
    from .services import deliver_messages

    return deliver_messages(notice_id)


def schedule_messages(notice_id: int) -> None:
    """After commit; ``manage.py send_notice_sms`` sends whatever a lost task left pending."""

    def enqueue() -> None:
        try:
            send_notice_messages.enqueue(notice_id)
        except Exception:
            logger.exception("无法安排通知 %s 的短信发送，将由 send_notice_sms 补发", notice_id)

    transaction.on_commit(enqueue)
