"""Publishing a notice queues its SMS (a decoupled side effect of Wagtail's own publish action)."""

from __future__ import annotations

from typing import Any

from wagtail.signals import page_published


def notice_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .services import queue_messages

    queue_messages(instance)


def connect() -> None:
    from .models import NoticePage

    page_published.connect(notice_published, sender=NoticePage, dispatch_uid="notices.notice_published")
