"""The one door for sending a text message. The lead wires the notification app's sender here.

``NOTICES_SMS_BACKEND`` names a callable ``(phone, text) -> None`` that raises on failure. The
default only logs (development has no SMS gateway); ``notices.sms.memory_backend`` keeps the
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
    backend = import_string(getattr(settings, "NOTICES_SMS_BACKEND", "notices.sms.log_backend"))
    backend(phone, text)


def log_backend(phone: str, text: str) -> None:
    logger.info("短信（未接网关，仅记录）→ %s****%s：%s", phone[:3], phone[-4:], text)


def memory_backend(phone: str, text: str) -> None:
    outbox.append((phone, text))
