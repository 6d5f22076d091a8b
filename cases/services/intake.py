"""Intake: validate a submission from any channel, store it with a ticket number, then dispatch it."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cms.models import (
    RequestType,
)

from ..duplicates import PublicCaseSummary, already_reported, residents_reporting
from ..errors import (
    CaseValidationError,
    FieldProblem,
)
from ..escalation import (
    local_zone,
)
from ..locking import retry_when_locked
from ..models import (
    Case,
    CasePhoto,
    CaseStatus,
    Channel,
    EventKind,
    TicketCounter,
)
from ..permissions import Actor
from ..photos import MAX_PHOTOS, PhotoRejected, check_photo
from .dispatching import decide_and_dispatch
from .steps import TEXT_MAX, actor_of, record_event

logger = logging.getLogger(__name__)

S = CaseStatus
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
KEY_RE = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True)
class CaseSubmission:
    """What a channel hands over: the hotline, the web form, the app, a grid worker's report."""

    request_type: str
    text: str
    channel: str
    address: str = ""
    point: Mapping[str, Any] | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    idempotency_key: str | None = None
    received_at: datetime | str | None = None
    photos: Sequence[Any] = field(default_factory=tuple)


@dataclass(frozen=True)
class SubmitResult:
    case: Case
    created: bool
    # Open cases that already report the same problem (for “已有N位居民反映过同一问题”).
    already_reported: tuple[PublicCaseSummary, ...] = ()

    @property
    def residents_reporting(self) -> int:
        """N of “已有N位居民反映过同一问题”: the earlier reports and everything merged into them."""
        return residents_reporting(self.already_reported)


def _clean_submission(sub: CaseSubmission, now: datetime) -> dict[str, Any]:
    """Every problem at once, so a form can show them all; nothing is stored before this passes."""
    problems: list[FieldProblem] = []

    def problem(field_name: str, code: str, message: str) -> None:
        problems.append(FieldProblem(field_name, code, message))

    request_type = str(sub.request_type or "").strip()
    if request_type not in RequestType.values:
        problem("type", "invalid_type", f"诉求类型只能是{'、'.join(RequestType.values)}之一。")
    channel = str(sub.channel or "").strip()
    if channel not in Channel.values:
        problem("channel", "invalid_channel", f"来源渠道只能是{'、'.join(Channel.values)}之一。")
    text = str(sub.text or "").strip()
    if len(text) < 2:
        problem("text", "required", "请填写诉求内容。")
    elif len(text) > TEXT_MAX:
        problem("text", "too_long", f"诉求内容不能超过{TEXT_MAX}字。")
    address = str(sub.address or "").strip()
    if len(address) > 255:
        problem("address", "too_long", "地址不能超过255字。")
    lat = lng = None
    if sub.point is not None:
        try:
            lat, lng = sub.point["lat"], sub.point["lng"]
            if isinstance(lat, bool) or isinstance(lng, bool):
                raise TypeError
            lat, lng = float(lat), float(lng)
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            lat = lng = None
            problem("point", "invalid_point", "坐标格式应为 {lat: 纬度, lng: 经度}，纬度在±90、经度在±180以内。")
    if not address and sub.point is None:
        problem("address", "required", "请填写地址或在地图上选点。")
    name = str(sub.reporter_name or "").strip()
    if len(name) > 64:
        problem("reporter_name", "too_long", "姓名不能超过64字。")
    phone = str(sub.reporter_phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        problem("reporter_phone", "invalid_phone", "联系电话格式不正确，请填写手机号或带区号的座机号。")
    key = str(sub.idempotency_key).strip() if sub.idempotency_key is not None else ""
    if key and not KEY_RE.match(key):
        problem("idempotency_key", "invalid_key", "幂等键应为1–128个可见ASCII字符。")
    received_at = now
    if sub.received_at is not None:
        try:
            value = sub.received_at
            received_at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
            if timezone.is_naive(received_at):
                received_at = received_at.replace(tzinfo=local_zone())
            if received_at > now + timedelta(minutes=5):
                problem("received_at", "in_future", "受理时间不能晚于当前时间。")
        except (TypeError, ValueError):
            problem(
                "received_at",
                "invalid_datetime",
                "受理时间格式不正确，请使用 ISO 8601（例如 2026-03-17T09:25:00+08:00）。",
            )
    photos = []
    if len(sub.photos) > MAX_PHOTOS:
        problem("photos", "too_many", f"最多上传{MAX_PHOTOS}张照片。")
    else:
        for index, upload in enumerate(sub.photos, 1):
            try:
                photos.append(check_photo(upload))
            except PhotoRejected as exc:
                problem("photos", exc.code, f"第{index}张照片：{exc.message}")
    if problems:
        raise CaseValidationError(problems)
    return {
        "request_type": request_type,
        "channel": channel,
        "text": text,
        "address": address,
        "lat": lat,
        "lng": lng,
        "reporter_name": name,
        "reporter_phone": phone,
        "idempotency_key": key or None,
        "received_at": received_at,
        "photos": photos,
    }


def next_ticket_number(now: datetime) -> str:
    """LX + yyyymmdd + six-digit daily sequence; the counter row serialises concurrent intakes."""
    day = timezone.localtime(now, local_zone()).date()
    with transaction.atomic():
        if not TicketCounter.objects.filter(day=day).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    TicketCounter.objects.create(day=day, last=1)
                return f"LX{day:%Y%m%d}{1:06d}"
            except IntegrityError:
                TicketCounter.objects.filter(day=day).update(last=F("last") + 1)
        value = TicketCounter.objects.filter(day=day).values_list("last", flat=True).get()
    return f"LX{day:%Y%m%d}{value:06d}"


def submit_case(submission: CaseSubmission, *, actor: Any | None = None, now: datetime | None = None) -> SubmitResult:
    """Intake for every channel: validate → store → decide → assign and set deadlines → schedule.

    The same idempotency key always returns the same case (``created=False``), even when two
    retries race. The case is committed before the engine is asked, so a failed decision leaves
    it stored and waiting in the manual dispatch queue.
    """
    now = now or timezone.now()
    data = _clean_submission(submission, now)
    key = data["idempotency_key"]
    if key:
        existing = _case_with_key(key)
        if existing is not None:
            return SubmitResult(existing, False, _reported_before(existing))
    try:
        case = _store_received(data, actor_of(actor), now)
    except IntegrityError:
        existing = _case_with_key(key) if key else None
        if existing is None:
            raise
        return SubmitResult(existing, False, _reported_before(existing))
    try:
        decide_and_dispatch(case.pk, now=now)
    except Exception:
        # The case is stored; ``escalate_overdue`` decides it later. The resident still gets a ticket.
        logger.exception("工单 %s 已受理但派单失败，等待巡检补做", case.ticket_number)
    case.refresh_from_db()
    return SubmitResult(case, True, _reported_before(case))


def _reported_before(case: Case) -> tuple[PublicCaseSummary, ...]:
    """Open cases reporting the same problem before this one; a failure here never fails the intake."""
    if case.category_id is None:
        return ()
    try:
        return tuple(
            already_reported(
                category=case.category_id,
                address=case.address,
                lat=case.lat,
                lng=case.lng,
                now=case.received_at,
                exclude=case,
            )
        )
    except Exception:
        logger.exception("工单 %s 的重复诉求查询失败", case.ticket_number)
        return ()


@retry_when_locked
def _case_with_key(key: str) -> Case | None:
    return Case.objects.filter(idempotency_key=key).first()


@retry_when_locked
@transaction.atomic
def _store_received(data: dict[str, Any], actor: Actor, now: datetime) -> Case:
    case = Case.objects.create(
        ticket_number=next_ticket_number(now),
        idempotency_key=data["idempotency_key"],
        request_type=data["request_type"],
        channel=data["channel"],
        text=data["text"],
        address=data["address"],
        lat=data["lat"],
        lng=data["lng"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        received_at=data["received_at"],
        status=S.RECEIVED,
    )
    for photo in data["photos"]:
        CasePhoto.objects.create(
            case=case, file=photo.content, content_type=photo.content_type, size=photo.size, uploaded_at=now
        )
    record_event(
        case,
        EventKind.RECEIVED,
        actor,
        now,
        from_status="",
        to_status=S.RECEIVED,
        payload={"channel": case.channel, "photos": len(data["photos"])},
        public=True,
    )
    return case
