from __future__ import annotations

from django.core.mail import send_mail

from ..models import Notice
from . import DeliveryError


class EmailBackend:
    """Through Django's configured e-mail backend (SMTP in production, the console in development)."""

    def send(self, notice: Notice) -> str:
        body = f"{notice.body}\n\n{notice.url}" if notice.url else notice.body
        try:
            send_mail(notice.subject or notice.body[:60], body, None, [notice.address], fail_silently=False)
        except Exception as error:
            raise DeliveryError(f"邮件发送失败：{error}") from error
        return ""
