"""The one validator of a new case (提交诉求), whichever channel it comes from.

``submit_case`` calls :func:`validate_submission` before anything is stored; the resident pages
and the GraphQL ``submitCase`` reach it through ``submit_case`` and quote the same limits
(``cases.limits``). Each check appends a ``FieldProblem``, so a form can show every problem at once;
a new check is one more block here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from cms.models import HandlingPolicy, RequestType

from .errors import CaseValidationError, FieldProblem
from .escalation import local_zone
from .input_safety import received_at_problem, received_at_window, text_problem
from .limits import ADDRESS_MAX, KEY_MAX, KEY_RE, NAME_MAX, PHONE_RE, TEXT_MAX, TEXT_MIN
from .models import Channel
from .photos import MAX_PHOTOS, CheckedPhoto, PhotoRejected, check_photo


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
    # Who handed it over (``key:…``, ``ip:…``, ``user:…``): the repeat signal caps each source.
    source: str = ""


@dataclass(frozen=True)
class CleanSubmission:
    """A submission that passed every check, normalised and ready to store."""

    request_type: str
    channel: str
    text: str
    address: str
    lat: float | None
    lng: float | None
    reporter_name: str
    reporter_phone: str
    idempotency_key: str | None
    received_at: datetime
    photos: tuple[CheckedPhoto, ...]
    source: str


def validate_submission(sub: CaseSubmission, now: datetime) -> CleanSubmission:
    """Every problem at once (``CaseValidationError``), or the clean submission; nothing is stored here."""
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
    if len(text) < TEXT_MIN:
        problem("text", "required", "请填写诉求内容。")
    elif len(text) > TEXT_MAX:
        problem("text", "too_long", f"诉求内容不能超过{TEXT_MAX}字。")
    address = str(sub.address or "").strip()
    if len(address) > ADDRESS_MAX:
        problem("address", "too_long", f"地址不能超过{ADDRESS_MAX}字。")
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
    if len(name) > NAME_MAX:
        problem("reporter_name", "too_long", f"姓名不能超过{NAME_MAX}字。")
    phone = str(sub.reporter_phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        problem("reporter_phone", "invalid_phone", "联系电话格式不正确，请填写手机号或带区号的座机号。")
    key = str(sub.idempotency_key).strip() if sub.idempotency_key is not None else ""
    if key and not KEY_RE.match(key):
        problem("idempotency_key", "invalid_key", f"幂等键应为1–{KEY_MAX}个可见ASCII字符。")
    received_at = now
    if sub.received_at is not None:
        try:
            value = sub.received_at
            received_at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
            if timezone.is_naive(received_at):
                received_at = received_at.replace(tzinfo=local_zone())
            # The district's window (``HandlingPolicy``): channels' clocks may run a little ahead.
            window = received_at_window(HandlingPolicy.load())
            late = received_at_problem(received_at, now, max_age_days=window.max_age_days,
                                       max_ahead_minutes=window.max_ahead_minutes)  # fmt: skip
            problems.extend(filter(None, [late]))
        except (TypeError, ValueError):
            problem(
                "received_at",
                "invalid_datetime",
                "受理时间格式不正确，请使用 ISO 8601（例如 2026-03-17T09:25:00+08:00）。",
            )
    photos: list[CheckedPhoto] = []
    if len(sub.photos) > MAX_PHOTOS:
        problem("photos", "too_many", f"最多上传{MAX_PHOTOS}张照片。")
    else:
        for index, upload in enumerate(sub.photos, 1):
            try:
                photos.append(check_photo(upload))
            except PhotoRejected as exc:
                problem("photos", exc.code, f"第{index}张照片：{exc.message}")
    problems.extend(filter(None, (text_problem(value, f, label) for f, label, value in _texts(sub))))
    if problems:
        raise CaseValidationError(problems)
    return CleanSubmission(
        request_type=request_type,
        channel=channel,
        text=text,
        address=address,
        lat=lat,
        lng=lng,
        reporter_name=name,
        reporter_phone=phone,
        idempotency_key=key or None,
        received_at=received_at,
        photos=tuple(photos),
        source=str(sub.source or "")[:80],
    )


def _texts(sub: CaseSubmission) -> tuple[tuple[str, str, Any], ...]:
    """The free texts a submission carries, checked for characters no channel can store."""
    return (
        ("text", "诉求内容", sub.text),
        ("address", "地址", sub.address),
        ("reporter_name", "姓名", sub.reporter_name),
        ("reporter_phone", "联系电话", sub.reporter_phone),
    )
