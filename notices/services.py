"""Notice workflows: what an address's residents see, subscribing a phone, and sending the SMS."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cms.lookup import grid_for_address
from cms.models import Community, Grid, HomePage

from .models import NoticeIndexPage, NoticeMessage, NoticePage, NoticeSubscription
from .sms import SmsError, send_sms
from .tasks import schedule_messages

logger = logging.getLogger(__name__)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
DEFAULT_LIMIT = 20


class NoticeError(Exception):
    """What a resident can fix, with the field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def ensure_index() -> NoticeIndexPage | None:
    """The 通知公告 page under the home page (created once); None before the site exists."""
    index = NoticeIndexPage.objects.first()
    if index is not None:
        return index
    home = HomePage.objects.first()
    if home is None:
        return None
    index = NoticeIndexPage(title="通知公告", slug="notices", intro="停水、停暖、施工和社区活动，按您的地址推送。")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def current_notices(
    *,
    grid: Grid | None = None,
    community: Community | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> QuerySet[NoticePage]:
    """Live notices not yet over, newest first; for one grid, also those aimed at its community."""
    now = now or timezone.now()
    notices = NoticePage.objects.live().public().filter(Q(ends_at__isnull=True) | Q(ends_at__gte=now))
    if grid is not None:
        notices = notices.for_grid(grid)
    if community is not None:
        notices = notices.for_community(community)
    if since is not None:
        notices = notices.filter(last_published_at__gte=since)
    return notices.prefetch_related("grids", "communities").order_by("-starts_at", "-id")[:limit]


@dataclass(frozen=True)
class AddressNotices:
    address: str
    grid: Grid
    notices: list[NoticePage]


def notices_for_address(address: str, *, now: datetime | None = None) -> AddressNotices | None:
    """The notices of a register address's grid, or None for an address the register lacks."""
    match = grid_for_address(address)
    if match is None:
        return None
    return AddressNotices(match.address or address, match.grid, list(current_notices(grid=match.grid, now=now)))


def _grid_of(address: str) -> Grid:
    match = grid_for_address(address)
    if match is None:
        raise NoticeError("address", "地址库中没有这个地址，请写到门牌号，或从候选地址中选择。")
    return match.grid


def _clean_phone(phone: str) -> str:
    digits = re.sub(r"[\s-]", "", str(phone or ""))
    if not MOBILE_RE.match(digits):
        raise NoticeError("phone", "请填写11位手机号码。")
    return digits


def subscribe(phone: str, address: str) -> NoticeSubscription:
    """Subscribe a mobile phone to the SMS of the address's grid; subscribing again re-activates."""
    phone, grid = _clean_phone(phone), _grid_of(address)
    try:
        with transaction.atomic():
            subscription, created = NoticeSubscription.objects.get_or_create(phone=phone, grid=grid)
    except IntegrityError:  # a concurrent double submit
        subscription, created = NoticeSubscription.objects.get(phone=phone, grid=grid), False
    if not created and not subscription.active:
        NoticeSubscription.objects.filter(pk=subscription.pk).update(active=True, cancelled_at=None)
        subscription.active, subscription.cancelled_at = True, None
    return subscription


def unsubscribe(phone: str, address: str, *, now: datetime | None = None) -> bool:
    """True when an active subscription was cancelled."""
    phone, grid = _clean_phone(phone), _grid_of(address)
    return bool(
        NoticeSubscription.objects.filter(phone=phone, grid=grid, active=True).update(
            active=False, cancelled_at=now or timezone.now()
        )
    )


def queue_messages(notice: NoticePage) -> int:
    """One pending SMS per active subscription of the notice's grids and communities, sent after commit.

    A republished notice queues only subscriptions that have not had it yet (unique rows).
    """
    subscriptions = NoticeSubscription.objects.filter(active=True).filter(
        Q(grid__in=notice.grids.all()) | Q(grid__community__in=notice.communities.all())
    )
    ids = list(subscriptions.exclude(messages__notice=notice).values_list("pk", flat=True).distinct())
    NoticeMessage.objects.bulk_create(
        [NoticeMessage(notice_id=notice.pk, subscription_id=pk) for pk in ids], ignore_conflicts=True
    )
    if ids:
        schedule_messages(notice.pk)
    return len(ids)


def deliver_messages(notice_id: int, *, now: datetime | None = None) -> int:
    """Send the notice's pending SMS; returns how many went out. Safe to run twice at once."""
    notice = NoticePage.objects.filter(pk=notice_id).first()
    if notice is None:
        return 0
    sent = 0
    pending = NoticeMessage.objects.filter(notice_id=notice_id, status=NoticeMessage.Status.PENDING)
    for message in pending.select_related("subscription"):
        # Claim the row first, so a second worker never sends the same message.
        claimed = NoticeMessage.objects.filter(pk=message.pk, status=NoticeMessage.Status.PENDING).update(
            status=NoticeMessage.Status.SENT, sent_at=now or timezone.now()
        )
        if not claimed:
            continue
        try:
            send_sms(message.subscription.phone, notice.sms_text)
        except Exception as error:  # any gateway failure is recorded on the message, never lost
            NoticeMessage.objects.filter(pk=message.pk).update(
                status=NoticeMessage.Status.FAILED, error=f"{type(error).__name__}: {error}"[:255]
            )
            log = logger.warning if isinstance(error, SmsError) else logger.exception
            log("通知 %s 的短信发送失败：%s", notice_id, error)
            continue
        sent += 1
    return sent
