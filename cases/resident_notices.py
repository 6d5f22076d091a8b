"""SMS to the resident at four moments of their case: accepted (with the ticket), dispatched, resolved
(with the rating link) and called back.

A receiver on ``CaseEvent`` (written inside each transition's transaction) hands the text to
``notify``; the event id is the notice key, so a retried task or a replayed save sends nothing twice.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse

from .models import Case, CaseEvent, EventKind

logger = logging.getLogger(__name__)

SIGNATURE = "【历下区12345】"
MOBILE = re.compile(r"1[3-9]\d{9}")


def _track_url(case: Case) -> str:
    return f"{settings.NOTIFY_SITE_URL.rstrip('/')}{reverse('portal:track')}?ticket={case.ticket_number}"


def resident_sms(event: CaseEvent) -> tuple[str, str, dict[str, str]] | None:
    """(kind, text, template parameters) for an event residents are told about, else None."""
    case = event.case
    ticket = case.ticket_number
    if event.kind == EventKind.RECEIVED:
        text = f"您的诉求已受理，工单号{ticket}。可凭工单号和本手机号在网站“查询进度”中查看办理情况。"
        return "case_received", text, {"ticket": ticket}
    if event.kind in (EventKind.DISPATCHED, EventKind.REDISPATCHED):
        unit = case.lead_department.name if case.lead_department is not None else "承办单位"
        return "case_dispatched", f"您的诉求（工单号{ticket}）已转交{unit}办理。", {"ticket": ticket, "unit": unit}
    if event.kind == EventKind.RESOLVED:
        url = _track_url(case)
        text = f"您的诉求（工单号{ticket}）已办结。请对办理结果进行评价：{url}"
        return "case_resolved", text, {"ticket": ticket, "url": url}
    if event.kind == EventKind.CALLBACK:
        text = f"您的诉求（工单号{ticket}）已完成回访，感谢您对我们工作的监督。"
        return "case_called_back", text, {"ticket": ticket}
    return None


def mobile_number(phone: str) -> str | None:
    """The 11-digit mainland mobile number in ``phone`` (+86 and separators dropped); landlines get no SMS."""
    digits = re.sub(r"[\s\-]", "", phone or "").removeprefix("+86")
    return digits if MOBILE.fullmatch(digits) else None


def case_event_saved(sender: Any, instance: CaseEvent, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not created:
        return
    mobile = mobile_number(instance.case.reporter_phone)
    if mobile is None:
        return
    composed = resident_sms(instance)
    if composed is None:
        return
    from notify.services import Message, send

    kind, text, params = composed
    try:
        with transaction.atomic():
            send(
                Message(body=SIGNATURE + text, kind=kind, params=params),
                key=f"resident-sms-{instance.pk}",
                channel="sms",
                address=mobile,
            )
    except Exception:
        # A notice that cannot be stored must not cost the case its transition.
        logger.exception("无法为工单 %s 记录居民短信（%s）", instance.case.ticket_number, instance.kind)


def connect() -> None:
    post_save.connect(case_event_saved, sender=CaseEvent, dispatch_uid="cases.resident_notices")
