"""Open311 GeoReport v2 workflows: translate the spec's parameters to the case services and back.

Intake goes through ``cases.services.submit_case`` like every other channel; reads shape stored
cases into the spec's fields. Public answers never carry the reporter's name, phone or words:
the resident's description, the exact door and the handling texts go only to the partner key
that submitted the request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from api.models import PartnerKey
from cases import services as case_services
from cases.errors import CaseError, CaseValidationError
from cases.escalation import local_zone
from cases.models import Assignment, Case, CaseEvent, CaseStatus, Channel, EventKind, UnitKind
from cases.stages import public_text
from cms.geo import gcj02_to_wgs84
from cms.models import RequestCategory, RequestType, RulesetVersion

from .models import Open311Request

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_DESCRIPTION = 4000
MAX_MEDIA_URL = 1000
MAX_IDS = 100
COORDINATE_SYSTEMS = ("wgs84", "gcj02")  # an extension: the spec assumes WGS-84
CLOSED_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CALLBACK, CaseStatus.CLOSED, CaseStatus.MERGED})
WAITING_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.PENDING_DISPATCH})
# Free texts written by staff reach the resident's own page; strangers get the stage in fixed words.
PUBLIC_NOTES = {
    EventKind.FEEDBACK: "承办单位已反馈办理情况。",
    EventKind.RESOLVED: "承办单位已办结。",
    EventKind.CALLBACK: "已完成回访。",
}
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def setting(name: str) -> Any:
    defaults = {
        "OPEN311_JURISDICTION_ID": "jinan-lixia",
        "OPEN311_CONTACT": "历下区12345热线办公室 · 电话 12345",
        "OPEN311_MAX_RESULTS": 1000,
        "OPEN311_DEFAULT_DAYS": 90,
        "OPEN311_MAX_SPAN_DAYS": 90,
    }
    return getattr(settings, name, defaults[name])


class Open311Error(Exception):
    """An answer in the spec's error shape: the HTTP status doubles as the error code."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass(frozen=True)
class Caller:
    """Whoever asks: a partner key (from ``api_key`` or ``Authorization: Bearer``) or nobody."""

    key: PartnerKey | None = None

    @property
    def key_id(self) -> int | None:
        return self.key.pk if self.key else None


def check_jurisdiction(value: str | None) -> str:
    """Accept the one jurisdiction this endpoint serves (or none given)."""
    value = (value or "").strip()
    if value and value != setting("OPEN311_JURISDICTION_ID"):
        raise Open311Error(
            404, f"未知的 jurisdiction_id“{value[:64]}”；本接口只服务 {setting('OPEN311_JURISDICTION_ID')}。"
        )
    return value


def local_iso(value: datetime | None) -> str | None:
    """W3C datetime with the Asia/Shanghai offset, as the spec's examples have it."""
    if value is None:
        return None
    return timezone.localtime(value, local_zone()).replace(microsecond=0).isoformat()


def parse_w3c(value: str, name: str) -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} 格式不正确，请使用 W3C 时间，例如 2026-03-17T09:25:00+08:00。") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=local_zone())
    return moment


# --------------------------------------------------------------------------- discovery and services


def discovery(endpoint_url: str) -> dict[str, Any]:
    return {
        "changeset": local_iso(_services_changed_at()),
        "contact": setting("OPEN311_CONTACT"),
        "key_service": "在管理后台“开放接口 → 合作方密钥”申请具有“提交诉求”权限的密钥。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": local_iso(_services_changed_at()),
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def _services_changed_at() -> datetime:
    """Categories carry no timestamp; the live ruleset publish is when routing last changed."""
    published = RulesetVersion.objects.order_by("-published_at").values_list("published_at", flat=True).first()
    return published or datetime(2026, 1, 1, tzinfo=local_zone())


def leaf_categories() -> QuerySet[RequestCategory]:
    return (
        RequestCategory.objects.leaves().select_related("parent").order_by("parent__sort_order", "sort_order", "code")
    )


def service_list() -> list[dict[str, Any]]:
    """Every leaf category is a service; each takes the request type as its one attribute."""
    return [
        {
            "service_code": leaf.code,
            "service_name": leaf.name,
            "description": f"{leaf.parent.name} / {leaf.name}",
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join(leaf.keywords[:20]),
            "group": leaf.parent.name,
        }
        for leaf in leaf_categories()
    ]


def _leaf(code: str) -> RequestCategory:
    leaf = RequestCategory.objects.leaves().filter(code=code).first() if _ID_RE.match(code or "") else None
    if leaf is None:
        raise Open311Error(404, f"没有服务编码为“{(code or '')[:64]}”的服务；可用的编码见 services。")
    return leaf


def service_definition(code: str) -> dict[str, Any]:
    """The request type (咨询/建议/求助/举报/投诉) decides the time limits, so callers may say it."""
    leaf = _leaf(code)
    return {
        "service_code": leaf.code,
        "attributes": [
            {
                "variable": True,
                "code": "request_type",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "诉求类型，决定办理时限；不填按“投诉”受理。",
                "order": 1,
                "description": "诉求类型",
                "values": [{"key": value, "name": label} for value, label in RequestType.choices],
            }
        ],
    }


# --------------------------------------------------------------------------- POST requests


def _form_value(form: Mapping[str, Any], name: str, limit: int = 255) -> str:
    value = str(form.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} 不能超过{limit}个字符。")
    return value


def _point(form: Mapping[str, Any]) -> dict[str, float] | None:
    lat, lng = _form_value(form, "lat", 32), _form_value(form, "long", 32)
    if not lat and not lng:
        return None
    try:
        point = {"lat": float(lat), "lng": float(lng)}
    except ValueError:
        raise Open311Error(400, "lat 和 long 须同时提供，且为 WGS-84 十进制度数。") from None
    if not (-90 <= point["lat"] <= 90 and -180 <= point["lng"] <= 180):
        raise Open311Error(400, "lat 应在 ±90 以内，long 应在 ±180 以内。")
    system = _form_value(form, "coordinate_system", 8).lower() or "wgs84"
    if system not in COORDINATE_SYSTEMS:
        raise Open311Error(400, "coordinate_system 只能是 wgs84 或 gcj02（高德、腾讯地图和微信小程序的坐标）。")
    if system == "gcj02":
        point["lat"], point["lng"] = gcj02_to_wgs84(point["lat"], point["lng"])
    return point


def submit_request(form: Mapping[str, Any], caller: Caller, *, idempotency_key: str = "") -> list[dict[str, Any]]:
    """POST /requests: a partner's request becomes a case through ``submit_case``.

    The text the rules read starts with the service the resident picked, then the description.
    A case the engine could not route waits for a dispatcher: the answer is a token then, which
    ``tokens/{token}`` turns into the ticket number.
    """
    if caller.key is None or not caller.key.can_submit_cases:
        raise Open311Error(403, "提交诉求需要具有“提交诉求”权限的合作方密钥（api_key）。")
    jurisdiction = check_jurisdiction(form.get("jurisdiction_id"))
    leaf = _leaf(_form_value(form, "service_code", 64))
    point = _point(form)
    address = _form_value(form, "address_string")
    if point is None and not address:
        raise Open311Error(400, "请提供位置：lat 和 long，或 address_string。")
    description = _form_value(form, "description", MAX_DESCRIPTION)
    media_url = _form_value(form, "media_url", MAX_MEDIA_URL)
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url 应为 http 或 https 链接。") from None
    request_type = _form_value(form, "attribute[request_type]", 8) or RequestType.COMPLAINT
    if request_type not in RequestType.values:
        raise Open311Error(400, f"attribute[request_type] 只能是{'、'.join(RequestType.values)}之一。")
    name = "".join(filter(None, [_form_value(form, "last_name", 32), _form_value(form, "first_name", 32)]))
    submission = case_services.CaseSubmission(
        request_type=request_type,
        text=f"{leaf.name}：{description}" if description else leaf.name,
        channel=Channel.APP,
        address=address,
        point=point,
        reporter_name=name,
        reporter_phone=_form_value(form, "phone", 32),
        idempotency_key=f"key:{caller.key.pk}:open311:{idempotency_key}" if idempotency_key else None,
    )
    try:
        result = case_services.submit_case(submission)
    except CaseValidationError as error:
        raise Open311Error(400, "；".join(p.message for p in error.problems)) from None
    except CaseError as error:
        raise Open311Error(400, error.message) from None
    record, _ = Open311Request.objects.get_or_create(
        case=result.case,
        defaults={
            "partner_key": caller.key,
            "service_code": leaf.code,
            "media_url": media_url,
            "jurisdiction_id": jurisdiction,
        },
    )
    case = result.case
    answer: dict[str, Any] = {"service_notice": _service_notice(case, result.residents_reporting), "account_id": None}
    if case.status in WAITING_STATUSES:
        answer["token"] = record.token
    else:
        answer["service_request_id"] = case.ticket_number
    return [answer]


def _service_notice(case: Case, residents: int) -> str:
    if case.status in WAITING_STATUSES:
        notice = "已受理，正在人工派单；请用 token 查询工单号。"
    else:
        notice = f"已受理并派单，工单号 {case.ticket_number}。"
        if case.complete_due:
            notice += f"办结时限 {timezone.localtime(case.complete_due, local_zone()):%Y-%m-%d %H:%M}。"
    if residents:
        notice += f"已有{residents}位居民反映过同一问题。"
    return notice


def token_status(token: str) -> list[dict[str, Any]]:
    record = Open311Request.objects.select_related("case").filter(token=token).first() if _ID_RE.match(token) else None
    if record is None:
        raise Open311Error(404, "未找到该 token。")
    dispatched = record.case.status not in WAITING_STATUSES
    return [{"token": record.token, "service_request_id": record.case.ticket_number if dispatched else None}]


# --------------------------------------------------------------------------- GET requests


def request_queryset() -> QuerySet[Case]:
    """Everything one answer needs in three queries, however many requests it lists."""
    return Case.objects.select_related("category", "grid", "community", "subdistrict", "open311").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(active=True, role=Assignment.Role.LEAD).select_related("department"),
            to_attr="lead_assignments",
        ),
        Prefetch(
            "events", queryset=CaseEvent.objects.filter(public=True).order_by("at", "id"), to_attr="public_events"
        ),
    )


def _csv(value: str | None, name: str) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if len(items) > MAX_IDS:
        raise Open311Error(400, f"{name} 一次最多{MAX_IDS}个。")
    bad = [v for v in items if not _ID_RE.match(v)]
    if bad:
        raise Open311Error(400, f"{name} 中有无效的值“{bad[0][:64]}”。")
    return items


def find_requests(params: Mapping[str, Any], caller: Caller, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """GET /requests with the spec's filters; ``service_request_id`` overrides all the others."""
    check_jurisdiction(params.get("jurisdiction_id"))
    ids = _csv(params.get("service_request_id"), "service_request_id")
    cases = request_queryset()
    if ids:
        cases = cases.filter(ticket_number__in=[i.upper() for i in ids])
    else:
        cases = _filtered(cases, params, now or timezone.now())
    limit = int(setting("OPEN311_MAX_RESULTS"))
    return [public_request(case, caller) for case in cases.order_by("-received_at", "-id")[:limit]]


def _filtered(cases: QuerySet[Case], params: Mapping[str, Any], now: datetime) -> QuerySet[Case]:
    codes = _csv(params.get("service_code"), "service_code")
    if codes:
        cases = cases.filter(category__code__in=codes)
    start = parse_w3c(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_w3c(params["end_date"], "end_date") if params.get("end_date") else None
    span = timedelta(days=int(setting("OPEN311_MAX_SPAN_DAYS")))
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date 不能早于 start_date。")
        if end - start > span:
            raise Open311Error(400, f"start_date 与 end_date 之间不能超过{span.days}天。")
    elif start:
        end = start + span
    elif end:
        start = end - span
    else:
        end, start = now, now - timedelta(days=int(setting("OPEN311_DEFAULT_DAYS")))
    cases = cases.filter(received_at__gte=start, received_at__lte=end)
    statuses = [s.lower() for s in _csv(params.get("status"), "status")]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status 只能是 open 或 closed（可用逗号分隔）。")
    if set(statuses) == {"open"}:
        cases = cases.exclude(status__in=CLOSED_STATUSES)
    elif set(statuses) == {"closed"}:
        cases = cases.filter(status__in=CLOSED_STATUSES)
    return cases


def get_request(service_request_id: str, caller: Caller) -> list[dict[str, Any]]:
    case = request_queryset().filter(ticket_number=service_request_id.upper()).first()
    if case is None:
        raise Open311Error(404, f"未找到工单“{service_request_id[:64]}”。")
    return [public_request(case, caller)]


def _agency(case: Case, leads: Iterable[Assignment]) -> str:
    lead = next(iter(leads), None)
    if lead is None:
        return ""
    area = {UnitKind.GRID: case.grid, UnitKind.COMMUNITY: case.community, UnitKind.SUBDISTRICT: case.subdistrict}
    place = area.get(lead.unit_kind)
    return place.name if place is not None else lead.unit_label


def _status_notes(case: Case, owner: bool) -> str:
    if case.status == CaseStatus.MERGED:
        return "同一问题已有人反映，已并入该工单一并办理。"
    for event in reversed(case.public_events):
        text = public_text(event) if owner or event.kind not in PUBLIC_NOTES else PUBLIC_NOTES[event.kind]
        if text:
            return text
    return ""


def _mask_digits(address: str) -> str:
    return re.sub(r"\d", "*", address or "")


def public_request(case: Case, caller: Caller) -> dict[str, Any]:
    """One request in the spec's fields; the submitting partner also sees its own words and media."""
    record: Open311Request | None = getattr(case, "open311", None)
    owner = record is not None and caller.key_id is not None and record.partner_key_id == caller.key_id
    lat = lng = None
    if case.lat is not None and case.lng is not None:
        digits = 6 if owner else 3  # about 100 m for strangers: the street, not the door
        lat, lng = round(case.lat, digits), round(case.lng, digits)
    service_code = case.category.code if case.category_id else (record.service_code if record else None)
    return {
        "service_request_id": case.ticket_number,
        "status": "closed" if case.status in CLOSED_STATUSES else "open",
        "status_notes": _status_notes(case, owner),
        "service_name": case.category.name if case.category_id else None,
        "service_code": service_code,
        "description": case.text if owner else None,
        "agency_responsible": _agency(case, case.lead_assignments),
        "service_notice": None,
        "requested_datetime": local_iso(case.received_at),
        "updated_datetime": local_iso(case.updated_at),
        "expected_datetime": local_iso(case.complete_due),
        "address": case.address if owner else _mask_digits(case.address),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
        "media_url": (record.media_url or None) if owner and record else None,
    }
