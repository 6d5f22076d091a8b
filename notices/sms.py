"""The one door for sending an area notice by text message.

``NOTICES_SMS_BACKEND`` names a callable ``(phone, text) -> None`` that raises on failure. The
default, ``notify_backend``, sends through the notification app's SMS channel (Aliyun when
configured, the console in development); ``log_backend`` only logs; ``notices.sms.memory_backend`` keeps the
messages in ``outbox`` for tests.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

outbox: list[tuple[str, str]] = []


class SmsError(Exception):
    """The gateway refused or failed; the message stays marked as failed with this text."""


def send_sms(phone: str, text: str) -> None:
    backend = import_string(getattr(settings, "NOTICES_SMS_BACKEND", "notices.sms.notify_backend"))
    backend(phone, text)


def log_backend(phone: str, text: str) -> None:
    logger.info("短信（未接网关，仅记录）→ %s****%s：%s", phone[:3], phone[-4:], text)


def memory_backend(phone: str, text: str) -> None:
    outbox.append((phone, text))


def notify_backend(phone: str, text: str) -> None:
    """Through the notification app's SMS channel (Aliyun when configured, the console otherwise)."""
    from notify.backends import DeliveryError, backend_for
    from notify.models import Notice, NoticeChannel

    notice = Notice(channel=NoticeChannel.SMS, address=phone, kind="area_notice", body=text)
    try:
        backend_for(NoticeChannel.SMS).send(notice)
    except DeliveryError as error:
        raise SmsError(str(error)) from error
