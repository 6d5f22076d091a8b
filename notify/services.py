"""The one way to tell someone something: ``send`` stores the notice once, a task delivers it.

In-app notices are delivered by being stored. E-mail and SMS go through the task worker after
commit; the row lock and the status make a retried or duplicated task a no-op once a notice is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .backends import DeliveryError, backend_for
from .models import Notice, NoticeChannel, NoticeStatus

logger = logging.getLogger("notify")
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Message:
    """What to say; ``kind`` and ``params`` select and fill the SMS template."""

    body: str
    subject: str = ""
    kind: str = ""
    params: dict[str, Any] | None = None
    url: str = ""


def send(
    message: Message, *, key: str, channel: str = NoticeChannel.IN_APP, recipient: Any = None, address: str = ""
) -> Notice:
    """Store the notice under ``key`` (once) and deliver it after commit; the same key returns the first notice."""
    channel = NoticeChannel(channel)
    if channel != NoticeChannel.IN_APP and not address:
        raise ValueError(f"{channel.label}需要接收地址（手机号或邮箱）")
    if channel == NoticeChannel.IN_APP and recipient is None:
        raise ValueError("站内消息需要接收账号")
    values = {
        "channel": channel,
        "recipient": recipient,
        "address": address,
        "kind": message.kind,
        "subject": message.subject[:200],
        "body": message.body,
        "params": message.params or {},
        "url": message.url,
    }
    if channel == NoticeChannel.IN_APP:
        values.update(status=NoticeStatus.SENT, sent_at=timezone.now())
    try:
        with transaction.atomic():
            notice, created = Notice.objects.get_or_create(key=key[:200], defaults=values)
    except IntegrityError:
        notice, created = Notice.objects.get(key=key[:200]), False
    if created and channel != NoticeChannel.IN_APP:
        transaction.on_commit(lambda: _enqueue(notice.pk))
    return notice


@dataclass(frozen=True)
class Outgoing:
    message: Message
    key: str
    channel: str = NoticeChannel.IN_APP
    recipient: Any = None
    address: str = ""


def send_many(outgoing: list[Outgoing]) -> int:
    """Many notices in one insert (keys already stored are skipped); returns how many were new."""
    if not outgoing:
        return 0
    keys = [o.key[:200] for o in outgoing]
    existing = set(Notice.objects.filter(key__in=keys).values_list("key", flat=True))
    now = timezone.now()
    rows = [
        Notice(
            key=o.key[:200],
            channel=o.channel,
            recipient=o.recipient,
            address=o.address,
            kind=o.message.kind,
            subject=o.message.subject[:200],
            body=o.message.body,
            params=o.message.params or {},
            url=o.message.url,
            status=NoticeStatus.SENT if o.channel == NoticeChannel.IN_APP else NoticeStatus.QUEUED,
            sent_at=now if o.channel == NoticeChannel.IN_APP else None,
        )
        for o in outgoing
        if o.key[:200] not in existing
    ]
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    queued = list(
        Notice.objects.filter(key__in=[r.key for r in rows], status=NoticeStatus.QUEUED, attempts=0).values_list(
            "pk", flat=True
        )
    )
    for pk in queued:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return len(rows)


def _enqueue(notice_id: int) -> None:
    from .tasks import deliver_notice

    try:
        deliver_notice.enqueue(notice_id)
    except Exception:
        logger.exception("通知 %s 无法加入发送队列", notice_id)


def deliver(notice_id: int) -> str:
    """Send one queued notice; a sent or given-up notice is left alone (safe to run twice).

    The row stays locked while the provider is called, so two workers never send the same notice.
    A failure is recorded and retried later with a growing delay, up to ``MAX_ATTEMPTS`` times.
    """
    failure: DeliveryError | None = None
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None or notice.status != NoticeStatus.QUEUED:
            return notice.status if notice else "missing"
        notice.attempts += 1
        try:
            notice.provider_id = backend_for(notice.channel).send(notice)[:100]
        except DeliveryError as error:
            failure = error
            notice.error = str(error)
            if notice.attempts >= MAX_ATTEMPTS:
                notice.status = NoticeStatus.FAILED
        else:
            notice.status, notice.sent_at, notice.error = NoticeStatus.SENT, timezone.now(), ""
        notice.save(update_fields=["attempts", "provider_id", "status", "sent_at", "error"])
    if failure is not None:
        logger.warning("通知 %s 发送失败（第%s次）：%s", notice.key, notice.attempts, failure)
        if notice.status == NoticeStatus.QUEUED:
            _retry_later(notice.pk, notice.attempts)
    return notice.status


def _retry_later(notice_id: int, attempts: int) -> None:
    from .tasks import deliver_notice

    try:
        if deliver_notice.get_backend().supports_defer:
            deliver_notice.using(run_after=timezone.now() + timedelta(minutes=2**attempts)).enqueue(notice_id)
    except Exception:
        logger.exception("通知 %s 无法安排重试", notice_id)


def inbox(user: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user, channel=NoticeChannel.IN_APP)


def unread_count(user: Any) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(user: Any, notice_ids: list[int] | None = None) -> int:
    """Mark the user's notices read (all when ``notice_ids`` is None); returns how many changed."""
    qs = inbox(user).filter(read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=notice_ids)
    return qs.update(read_at=timezone.now())
