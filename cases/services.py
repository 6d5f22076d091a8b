"""Case workflows: one function per transition, used by every channel, view, command and the API.

Each function checks who is acting, then the state, then changes everything inside one
transaction with the case row locked (``select_for_update``; the case is always locked before
its assignments). Side effects (tasks, e-mail) run after commit. Errors are ``cases.errors``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from cms.models import (
    Address,
    Department,
    Grid,
    HandlingPolicy,
    RequestCategory,
    RequestType,
    ResponsePriority,
    TimeLimitRule,
    Urgency,
)
from cms.models.categories import LeadKind

from . import engine
from .duplicates import PublicCaseSummary, already_reported, find_duplicates, residents_reporting
from .errors import (
    AlreadyAcknowledged,
    CaseError,
    CaseNotFound,
    CasePermissionDenied,
    CaseValidationError,
    FieldProblem,
    InvalidTransition,
)
from .escalation import (
    END_OF_DAY,
    escalate_if_overdue,
    local_zone,
    refresh_schedule,
    sweep_overdue,
)
from .escalation import ladder_step as _ladder_step
from .escalation import record_escalation as _record_escalation
from .input_safety import check_texts, received_at_problem, received_at_window, text_problem
from .locking import retry_when_locked
from .models import (
    Acknowledgement,
    Assignment,
    Case,
    CaseEvent,
    CasePhoto,
    CaseStatus,
    Channel,
    EventKind,
    Satisfaction,
    SupervisionReason,
    TicketCounter,
    UnitKind,
    withdraw_pending_requests,
)
from .notifications import Delivery, notify, notify_all, staff_for_handlers, staff_for_unit, staff_for_units
from .permissions import SYSTEM, Actor, actor_for, acts_for, can_dispatch, visible_cases
from .photos import MAX_PHOTOS, PhotoRejected, check_photo
from .repeats import repeat_history
from .supervision import open_supervision
from .tracking import new_check_code, normalize_code
from .transitions import require_state

__all__ = [
    "CaseSubmission",
    "SubmitResult",
    "acknowledge",
    "calendar_of",
    "close",
    "decide_and_dispatch",
    "escalate_if_overdue",
    "find_case_for_resident",
    "give_assignment_feedback",
    "give_feedback",
    "manual_dispatch",
    "merge_case",
    "record_callback",
    "redispatch",
    "reopen",
    "resolve",
    "return_assignment",
    "set_priority",
    "start",
    "submit_case",
    "sweep_overdue",
    "visible_cases",
]

logger = logging.getLogger(__name__)

S = CaseStatus
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
KEY_RE = re.compile(r"^[\x21-\x7e]{1,128}$")
TEXT_MAX = 4000
HISTORY_DAYS = 30


# --------------------------------------------------------------------------- intake


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
            window = HandlingPolicy.load()
            problems.extend(filter(None, [received_at_problem(received_at, now, **received_at_window(window))]))
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
    problems.extend(filter(None, (text_problem(value, f, label) for f, label, value in _texts(sub))))
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
        "source": str(sub.source or "")[:80],
    }


def _texts(sub: CaseSubmission) -> tuple[tuple[str, str, Any], ...]:
    return (
        ("text", "诉求内容", sub.text),
        ("address", "地址", sub.address),
        ("reporter_name", "姓名", sub.reporter_name),
        ("reporter_phone", "联系电话", sub.reporter_phone),
    )


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
        case = _store_received(data, _actor(actor), now)
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


def _flag_duplicates(case: Case, now: datetime) -> None:
    """Mark a case whose category is known as a possible duplicate (the nearest open earlier report).

    Runs in a savepoint and logs its own failures: the check must never lose or block the new case.
    """
    if case.category_id is None or case.possible_duplicate_of_id is not None or not case.is_open:
        return
    try:
        with transaction.atomic():
            found = find_duplicates(
                category=case.category_id,
                address=case.address,
                lat=case.lat,
                lng=case.lng,
                now=case.received_at,
                exclude=case,
            )
            if not found:
                return
            updated = Case.objects.filter(pk=case.pk, possible_duplicate_of__isnull=True).update(
                possible_duplicate_of=found[0], updated_at=now
            )
            if not updated:
                return
            case.possible_duplicate_of = found[0]
            _event(
                case,
                EventKind.DUPLICATE_SUSPECTED,
                SYSTEM,
                now,
                payload={
                    "candidates": [c.ticket_number for c in found],
                    "label": f"与{'、'.join(c.ticket_number for c in found[:5])}可能重复",
                },
            )
    except Exception:
        logger.exception("工单 %s 的重复诉求检查失败，工单已正常受理", case.ticket_number)


@retry_when_locked
def _case_with_key(key: str) -> Case | None:
    return Case.objects.filter(idempotency_key=key).first()


@retry_when_locked
@transaction.atomic
def _store_received(data: dict[str, Any], actor: Actor, now: datetime) -> Case:
    case = Case.objects.create(
        ticket_number=next_ticket_number(now),
        check_code=new_check_code(),
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
        source=data["source"],
        status=S.RECEIVED,
    )
    for photo in data["photos"]:
        CasePhoto.objects.create(
            case=case, file=photo.content, content_type=photo.content_type, size=photo.size, uploaded_at=now
        )
    _event(
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


def _history(case: Case) -> list[dict[str, Any]]:
    """Earlier reports at exactly this address in the last 30 days, for the repeat rule (``cases.repeats``)."""
    return repeat_history(case, HISTORY_DAYS)


def routing_request(case: Case) -> dict[str, Any]:
    """The request as the rules engine reads it, rebuilt from the stored case."""
    return {
        "type": case.request_type,
        "text": case.text,
        "address": case.address or None,
        "point": case.point,
        "channel": case.channel,
        "received_at": timezone.localtime(case.received_at, local_zone()).isoformat(),
    }


@retry_when_locked
def decide_and_dispatch(case_id: int, *, now: datetime | None = None) -> Case:
    """Ask the engine about a received case and apply the answer; any failure → manual queue."""
    now = now or timezone.now()
    case = Case.objects.get(pk=case_id)
    if case.status != S.RECEIVED:
        return case
    try:
        decision = engine.decide_request(routing_request(case), _history(case))
    except Exception as exc:
        logger.exception("规则引擎调用失败，工单 %s 转人工派单", case.ticket_number)
        decision, failure = None, f"规则引擎不可用（{type(exc).__name__}），已转人工派单"
    else:
        failure = ""
    with transaction.atomic():
        case = _lock(case_id)
        if case.status != S.RECEIVED:
            return case
        if decision is not None:
            try:
                with transaction.atomic():
                    _apply_decision(case, decision, now)
            except OperationalError:
                raise  # a lock: retried as a whole by retry_when_locked
            except Exception as exc:
                logger.exception("派单决定无法应用，工单 %s 转人工派单", case.ticket_number)
                case = _lock(case_id)
                decision, failure = None, f"派单决定无法应用（{type(exc).__name__}），已转人工派单"
        if decision is None:
            _queue_manual(case, failure, now)
        refresh_schedule(case, list(case.assignments.all()), now)
        case.save()
    _flag_duplicates(case, now)
    return case


def _decision_record(decision: Any) -> dict[str, Any]:
    record = decision.to_dict() if hasattr(decision, "to_dict") else {}
    record.update(
        {
            "needs_manual_dispatch": bool(getattr(decision, "needs_manual_dispatch", False)),
            "reason": getattr(decision, "reason", "") or "",
            "calendar_estimated": bool(getattr(decision, "calendar_estimated", False)),
            "calendar_version": int(getattr(decision, "calendar_version", 0) or 0),
        }
    )
    return record


def _apply_decision(case: Case, decision: Any, now: datetime) -> None:
    problems: list[str] = []
    case.decision = _decision_record(decision)
    case.ruleset_version = decision.ruleset_version
    case.fired_rules = list(decision.fired_rules)
    case.calendar_estimated = bool(decision.calendar_estimated)
    case.urgency = Urgency.URGENT if decision.urgent else Urgency.NORMAL
    case.whistle = bool(decision.whistle)
    if decision.category:
        case.category = RequestCategory.objects.filter(code=decision.category).first()
        if case.category is None:
            problems.append(f"分类{decision.category}不存在")
    if decision.grid:
        grid = Grid.objects.select_related("community__subdistrict").filter(code=decision.grid).first()
        if grid is None:
            problems.append(f"网格{decision.grid}不存在")
        else:
            _set_area(case, grid)
    case.ack_due, case.feedback_due, case.complete_due = (
        decision.ack_due,
        decision.feedback_due,
        decision.complete_due,
    )
    case.calendar_version = decision.calendar_version if case.complete_due is not None else None
    if case.ack_due is not None:
        case.ack_window_minutes = max(0, int((case.ack_due - case.received_at).total_seconds() // 60))
    case.initial_level = case.escalation_level = int(decision.escalation_level or 0)
    units: list[_Unit] = []
    if not decision.needs_manual_dispatch:
        units, unit_problems = _resolve_units(case, decision.lead, decision.co_handlers)
        problems += unit_problems
        if None in (case.ack_due, case.feedback_due, case.complete_due):
            problems.append("办理时限未能确定")
    if decision.needs_manual_dispatch or problems:
        reason = "；".join([r for r in [decision.reason or "", *problems] if r]) or "规则引擎未能决定派单"
        _queue_manual(case, reason, now)
    else:
        _dispatch(case, units, SYSTEM, now, kind=EventKind.DISPATCHED, ack_due=case.ack_due)
    if case.escalation_level > 0:
        step = _ladder_step(case.escalation_level)
        _record_escalation(
            case,
            previous=case.escalation_level - 1,
            decided=step,
            facts={"initial_level": case.escalation_level, "fired_rules": list(case.fired_rules)},
            source="intake",
            now=now,
        )


def _set_area(case: Case, grid: Grid) -> None:
    case.grid = grid
    case.community = grid.community
    case.subdistrict = grid.community.subdistrict
    alley_id = None
    if case.address:
        alley_id = Address.objects.filter(address=case.address).values_list("alley_id", flat=True).first()
    if alley_id is None:
        alleys = set(Address.objects.filter(grid=grid, alley__isnull=False).values_list("alley_id", flat=True))
        alley_id = next(iter(alleys)) if len(alleys) == 1 else None
    case.alley_id = alley_id


@dataclass(frozen=True)
class _Unit:
    kind: str
    code: str
    department: Department | None = None


def _resolve_units(case: Case, lead: str | None, co_handlers: Sequence[str]) -> tuple[list[_Unit], list[str]]:
    """Lead first, then co-handlers; each a department code or grid/community/subdistrict of the case."""
    codes = [c for c in [lead, *co_handlers] if c]
    problems = [] if lead else ["未确定主办单位"]
    area_kinds = {LeadKind.GRID, LeadKind.COMMUNITY, LeadKind.SUBDISTRICT}
    departments = {d.code: d for d in Department.objects.filter(code__in=[c for c in codes if c not in area_kinds])}
    units: list[_Unit] = []
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            continue
        seen.add(code)
        if code in area_kinds:
            if getattr(case, f"{code}_id") is None:
                problems.append(f"未能确定所属{UnitKind(code).label}")
                continue
            units.append(_Unit(code, code))
        elif code in departments:
            units.append(_Unit(UnitKind.DEPARTMENT, code, departments[code]))
        else:
            problems.append(f"承办单位{code}不存在")
    return units, problems


def _queue_manual(case: Case, reason: str, now: datetime) -> None:
    previous = case.status
    case.status = S.PENDING_DISPATCH
    case.manual_reason = reason[:255]
    _event(case, EventKind.MANUAL_QUEUE, SYSTEM, now, from_status=previous, payload={"reason": case.manual_reason})
    handlers = ["街道（镇）"] if case.subdistrict_id else ["区督办人员"]
    notify(
        case,
        staff_for_handlers(case, handlers),
        kind=EventKind.MANUAL_QUEUE,
        message=f"工单{case.ticket_number}需要人工派单：{case.manual_reason}",
        at=now,
        fallback_label="、".join(handlers),
    )


def _dispatch(case: Case, units: Sequence[_Unit], actor: Actor, now: datetime, *, kind: str, ack_due) -> None:
    """Create the assignments (lead first) and move the case to 已派单; notify every new unit."""
    previous = case.status
    active = {a.unit_code: a for a in case.assignments.filter(active=True).select_related("department")}
    lead_code = units[0].code
    demoted = [a.pk for a in active.values() if a.role == Assignment.Role.LEAD and a.unit_code != lead_code]
    if demoted:
        Assignment.objects.filter(pk__in=demoted).update(role=Assignment.Role.CO)
    promoted = active.get(lead_code)
    if promoted is not None and promoted.role != Assignment.Role.LEAD:
        Assignment.objects.filter(pk=promoted.pk).update(role=Assignment.Role.LEAD)
    for a in active.values():
        a.role = Assignment.Role.LEAD if a is promoted else Assignment.Role.CO
    created = [
        Assignment(
            case=case,
            role=Assignment.Role.LEAD if index == 0 else Assignment.Role.CO,
            unit_kind=unit.kind,
            unit_code=unit.code,
            department=unit.department,
            subdistrict_id=case.subdistrict_id,
            cycle=case.cycle,
            dispatched_at=now,
            ack_due=ack_due,
        )
        for index, unit in enumerate(units)
        if unit.code not in active
    ]
    Assignment.objects.bulk_create(created)
    case.lead_department = units[0].department
    case.status = S.DISPATCHED
    case.dispatched_at = case.dispatched_at or now
    case.acknowledged_at = None
    _event(
        case,
        kind,
        actor,
        now,
        from_status=previous,
        payload={"lead": lead_code, "co_handlers": [u.code for u in units[1:]], "whistle": case.whistle},
        public=True,
    )
    deliveries = [
        Delivery(
            staff,
            f"新工单{case.ticket_number}（{'主办' if a.role == Assignment.Role.LEAD else '协办'}）："
            f"请在{_fmt(a.ack_due)}前报到。",
            a.unit_label,
        )
        for a, staff in zip(created, staff_for_units(case, created), strict=True)
    ]
    if case.whistle and case.subdistrict_id:
        everyone = [*active.values(), *created]
        names = "、".join(a.unit_label for a in sorted(everyone, key=lambda a: a.role != Assignment.Role.LEAD))
        deliveries.append(
            Delivery(
                staff_for_handlers(case, ["街道（镇）"], everyone),
                f"街道吹哨：工单{case.ticket_number}需{names}联合处置，请跟踪各部门报到。",
                "街道（镇）",
            )
        )
    notify_all(case, deliveries, kind=EventKind.DISPATCHED, at=now)


# --------------------------------------------------------------------------- transitions


def _actor(user: Any | None) -> Actor:
    if isinstance(user, Actor):
        return user
    return actor_for(user)


def _lock(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise CaseNotFound("工单不存在或已被删除。")
    return locked


def _lock_assignment(assignment: Assignment | int) -> tuple[Case, Assignment]:
    """The assignment and its case, both locked, case first (the order every workflow locks in)."""
    pk = assignment.pk if isinstance(assignment, Assignment) else assignment
    case_id = Assignment.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound("承办分派不存在。")
    case = _lock(case_id)
    return case, Assignment.objects.select_for_update(of=("self",)).select_related("department").get(pk=pk)


def _event(
    case: Case,
    kind: str,
    actor: Actor,
    now: datetime,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    assignment: Assignment | None = None,
    payload: dict | None = None,
    public: bool = False,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=now,
        actor=actor.user,
        actor_label=actor.label,
        assignment=assignment,
        from_status=case.status if from_status is None else from_status,
        to_status=case.status if to_status is None else to_status,
        payload=payload or {},
        public=public,
    )


def _fmt(moment: datetime | None) -> str:
    return timezone.localtime(moment, local_zone()).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _finish(case: Case, now: datetime) -> Case:
    refresh_schedule(case, list(case.assignments.all()), now)
    case.save()
    return case


def _lead(case: Case) -> Assignment | None:
    return case.assignments.filter(active=True, role=Assignment.Role.LEAD).select_related("department").first()


def _require_lead_unit(actor: Actor, case: Case, action: str) -> Assignment:
    lead = _lead(case)
    if lead is None or not acts_for(actor, lead, case):
        who = lead.unit_label if lead else "主办单位"
        raise CasePermissionDenied(f"只有主办单位“{who}”的办理人员可以{action}。")
    return lead


def _require_dispatcher(actor: Actor, case: Case, action: str) -> None:
    if not can_dispatch(actor, case):
        raise CasePermissionDenied(f"只有本街道（镇）的吹哨调度员或区督办人员可以{action}。")


def _require_running(case: Case, action: str) -> None:
    if case.is_paused:
        raise InvalidTransition(f"工单已挂起，请先恢复办理再{action}。", code="case_paused")


def _require_text(value: str, field_name: str, label: str, minimum: int = 2) -> str:
    text = str(value or "").strip()
    if bad := text_problem(text, field_name, label):
        raise CaseValidationError([bad])
    if len(text) < minimum:
        raise CaseValidationError([FieldProblem(field_name, "required", f"请填写{label}。")])
    if len(text) > TEXT_MAX:
        raise CaseValidationError([FieldProblem(field_name, "too_long", f"{label}不能超过{TEXT_MAX}字。")])
    return text


@retry_when_locked
def dispatch(case: Case | int, *, actor: Any | None = None, now: datetime | None = None) -> Case:
    """Dispatch a received case as the engine decided it (intake does this by itself)."""
    now = now or timezone.now()
    who = _actor(actor)
    pk = case.pk if isinstance(case, Case) else case
    with transaction.atomic():
        locked = _lock(pk)
        _require_dispatcher(who, locked, "派单")
        require_state("dispatch", locked.status)
    return decide_and_dispatch(pk, now=now)


@retry_when_locked
def acknowledge(assignment: Assignment | int, *, actor: Any, now: datetime | None = None) -> Assignment:
    """报到 for one unit. Two people of the unit pressing at once make one 报到 and one event."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case, a = _lock_assignment(assignment)
        if not acts_for(who, a, case):
            raise CasePermissionDenied(f"只有承办单位“{a.unit_label}”的人员可以报到。")
        if a.acknowledged_at is not None:
            raise AlreadyAcknowledged(_already_message(a))
        if not a.active:
            raise InvalidTransition(f"“{a.unit_label}”的分派已退单，不能报到。")
        require_state("acknowledge", case.status)
        try:
            with transaction.atomic():
                Acknowledgement.objects.create(assignment=a, by=who.user, by_label=who.label, at=now)
        except IntegrityError as exc:
            raise AlreadyAcknowledged(f"“{a.unit_label}”已报到，无需重复报到。") from exc
        a.acknowledged_at = now
        a.status = Assignment.Status.ACKNOWLEDGED
        a.save(update_fields=["acknowledged_at", "status"])
        previous = case.status
        pending = case.assignments.filter(active=True, cycle=case.cycle, acknowledged_at__isnull=True).exists()
        if not pending:
            case.acknowledged_at = now
            if case.status == S.DISPATCHED:
                case.status = S.ACKNOWLEDGED
        _event(
            case,
            EventKind.ACKNOWLEDGED,
            who,
            now,
            from_status=previous,
            assignment=a,
            payload={"unit": a.unit_code, "unit_label": a.unit_label, "in_time": a.acknowledged_in_time},
        )
        _finish(case, now)
    return a


def _already_message(a: Assignment) -> str:
    ack = Acknowledgement.objects.filter(assignment=a).first()
    if ack is None:
        return f"“{a.unit_label}”已报到，无需重复报到。"
    return f"“{a.unit_label}”已于{_fmt(ack.at)}由{ack.by_label or '本单位人员'}报到，无需重复报到。"


@retry_when_locked
def start(case: Case | int, *, actor: Any, now: datetime | None = None) -> Case:
    """The lead unit starts handling; it must have reported in first."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        lead = _require_lead_unit(who, case, "开始办理")
        require_state("start", case.status)
        _require_running(case, "开始办理")
        if lead.acknowledged_at is None:
            raise InvalidTransition("主办单位尚未报到，请先报到再开始办理。")
        previous = case.status
        case.status = S.IN_PROGRESS
        case.started_at = case.started_at or now
        _event(case, EventKind.STARTED, who, now, from_status=previous, assignment=lead, public=True)
        return _finish(case, now)


@retry_when_locked
def give_feedback(case: Case | int, *, actor: Any, text: str, now: datetime | None = None) -> Case:
    """The lead unit tells the resident what is being done (反馈); this meets the feedback deadline."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        lead = _require_lead_unit(who, case, "反馈")
        require_state("give_feedback", case.status)
        _require_running(case, "反馈")
        body = _require_text(text, "text", "反馈内容")
        previous = case.status
        case.status = S.FEEDBACK
        case.feedback_at = case.feedback_at or now
        case.feedback_text = body
        lead.feedback_at, lead.feedback_text, lead.status = now, body, Assignment.Status.FEEDBACK
        lead.save(update_fields=["feedback_at", "feedback_text", "status"])
        _event(
            case,
            EventKind.FEEDBACK,
            who,
            now,
            from_status=previous,
            assignment=lead,
            payload={"text": body, "in_time": bool(case.feedback_due and now <= case.feedback_due)},
            public=True,
        )
        return _finish(case, now)


@retry_when_locked
def give_assignment_feedback(
    assignment: Assignment | int, *, actor: Any, text: str, now: datetime | None = None
) -> Assignment:
    """A co-handler reports what it did; the case's status does not change."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case, a = _lock_assignment(assignment)
        if not acts_for(who, a, case):
            raise CasePermissionDenied(f"只有承办单位“{a.unit_label}”的人员可以反馈。")
        require_state("assignment_feedback", case.status)
        if not a.active or a.acknowledged_at is None:
            raise InvalidTransition(f"“{a.unit_label}”须先报到才能反馈办理情况。")
        body = _require_text(text, "text", "反馈内容")
        a.feedback_at, a.feedback_text, a.status = now, body, Assignment.Status.FEEDBACK
        a.save(update_fields=["feedback_at", "feedback_text", "status"])
        _event(case, EventKind.ASSIGNMENT_FEEDBACK, who, now, assignment=a, payload={"text": body})
        case.save(update_fields=["updated_at"])
    return a


@retry_when_locked
def resolve(case: Case | int, *, actor: Any, resolution: str, now: datetime | None = None) -> Case:
    """办结 by the lead unit, once every unit still on the case has reported in."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        lead = _require_lead_unit(who, case, "办结")
        require_state("resolve", case.status)
        _require_running(case, "办结")
        body = _require_text(resolution, "resolution", "办结说明")
        missing = [
            a.unit_label
            for a in case.assignments.filter(active=True, acknowledged_at__isnull=True).select_related("department")
        ]
        if missing:
            raise InvalidTransition(f"{'、'.join(missing)}尚未报到，全部承办单位报到后才能办结。")
        previous = case.status
        case.status = S.RESOLVED
        case.resolved_at = now
        case.resolution = body
        case.handling_seconds = max(0, int((now - case.received_at).total_seconds()))
        _event(
            case,
            EventKind.RESOLVED,
            who,
            now,
            from_status=previous,
            assignment=lead,
            payload={"resolution": body, "in_time": bool(case.complete_due and now <= case.complete_due)},
            public=True,
        )
        return _finish(case, now)


@retry_when_locked
def record_callback(
    case: Case | int, *, actor: Any, satisfaction: str, note: str = "", now: datetime | None = None
) -> Case:
    """回访: the resident's rating of the result (满意 / 基本满意 / 不满意).

    Still 不满意 after re-handling (round 2 or later) opens a 督办单 when the policy says so.
    """
    check_texts(("note", "回访记录", note))
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        _require_dispatcher(who, case, "回访")
        require_state("record_callback", case.status)
        if satisfaction not in Satisfaction.values:
            raise CaseValidationError(
                [FieldProblem("satisfaction", "invalid_choice", "满意度只能是满意、基本满意或不满意。")]
            )
        previous = case.status
        case.status = S.CALLBACK
        case.satisfaction = satisfaction
        case.callback_at = now
        case.callback_note = str(note or "").strip()[:TEXT_MAX]
        _event(
            case,
            EventKind.CALLBACK,
            who,
            now,
            from_status=previous,
            payload={
                "satisfaction": satisfaction,
                "label": Satisfaction(satisfaction).label,
                "note": case.callback_note,
            },
            public=True,
        )
        if (
            satisfaction == Satisfaction.UNSATISFIED
            and case.cycle >= 2
            and HandlingPolicy.load().supervise_repeat_unsatisfied
        ):
            open_supervision(case, reason=SupervisionReason.REPEAT_UNSATISFIED, assignment=_lead(case), now=now)
        return _finish(case, now)


@retry_when_locked
def close(case: Case | int, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        _require_dispatcher(who, case, "结案")
        require_state("close", case.status)
        previous = case.status
        case.status = S.CLOSED
        case.closed_at = now
        _event(
            case, EventKind.CLOSED, who, now, from_status=previous, payload={"note": str(note or "")[:500]}, public=True
        )
        return _finish(case, now)


def return_assignment(
    assignment: Assignment | int, *, actor: Any, reason: str, reason_code: str = "", now: datetime | None = None
) -> Assignment:
    """退单 with a free-text reason, for callers that have no reason option; see ``cases.returns``.

    Within the return window the unit is off the case at once; past it, this files a request
    the subdistrict decides, and the assignment stays active meanwhile.
    """
    from .returns import file_return

    return file_return(assignment, actor=actor, reason_code=reason_code, note=reason, now=now, code_required=False)


@retry_when_locked
def redispatch(
    case: Case | int,
    *,
    actor: Any,
    lead: str,
    co_handlers: Sequence[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """改派 a returned case to a new lead (and co-handlers); each new unit gets a fresh 报到 window."""
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        _require_dispatcher(who, case, "改派")
        require_state("redispatch", case.status)
        units = _units_or_error(case, lead, co_handlers)
        _dispatch(case, units, who, now, kind=EventKind.REDISPATCHED, ack_due=_fresh_ack_due(case, now))
        case.redispatch_suggestion = {}
        if note:
            _event(case, EventKind.REDISPATCHED, who, now, payload={"note": str(note)[:500]})
        return _finish(case, now)


@retry_when_locked
def manual_dispatch(
    case: Case | int,
    *,
    actor: Any,
    lead: str,
    co_handlers: Sequence[str] = (),
    category: str | None = None,
    grid: str | None = None,
    whistle: bool | None = None,
    now: datetime | None = None,
) -> Case:
    """Dispatch a case from the manual queue: the dispatcher supplies what the engine could not."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        _require_dispatcher(who, case, "人工派单")
        require_state("manual_dispatch", case.status)
        if category:
            found = RequestCategory.objects.filter(code=category).first()
            if found is None:
                raise CaseValidationError([FieldProblem("category", "not_found", f"诉求分类“{category}”不存在。")])
            case.category = found
        if grid:
            found_grid = Grid.objects.select_related("community__subdistrict").filter(code=grid).first()
            if found_grid is None:
                raise CaseValidationError([FieldProblem("grid", "not_found", f"网格“{grid}”不存在。")])
            staff = who.staff
            if (
                not who.is_supervisor
                and staff is not None
                and staff.subdistrict_id != found_grid.community.subdistrict_id
            ):
                raise CasePermissionDenied("只能派给本街道（镇）辖区内的网格。")
            _set_area(case, found_grid)
        if whistle is not None:
            case.whistle = bool(whistle)
        units = _units_or_error(case, lead, co_handlers)
        if None in (case.ack_due, case.feedback_due, case.complete_due):
            _set_policy_deadlines(case, case.received_at)
        _dispatch(case, units, who, now, kind=EventKind.DISPATCHED, ack_due=case.ack_due)
        case = _finish(case, now)
        _flag_duplicates(case, now)
        return case


@retry_when_locked
def reopen(case: Case | int, *, actor: Any, reason: str, now: datetime | None = None) -> Case:
    """重新办理 after an unsatisfied callback: a new round with fresh deadlines, from the level reached."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        _require_dispatcher(who, case, "重新办理")
        require_state("reopen", case.status)
        if case.satisfaction != Satisfaction.UNSATISFIED:
            raise InvalidTransition("只有回访结果为“不满意”的工单才能重新办理。")
        body = _require_text(reason, "reason", "重新办理的原因")
        previous = case.status
        rating = case.satisfaction
        case.cycle += 1
        case.initial_level = case.escalation_level
        case.status = S.REOPENED
        case.resolved_at = case.feedback_at = case.feedback_overdue_at = case.started_at = None
        case.handling_seconds = None
        case.satisfaction = ""
        _set_policy_deadlines(case, now, ack=False)
        Assignment.objects.filter(case=case, active=True, status=Assignment.Status.FEEDBACK).update(
            status=Assignment.Status.ACKNOWLEDGED
        )
        _event(
            case,
            EventKind.REOPENED,
            who,
            now,
            from_status=previous,
            payload={"reason": body, "previous_satisfaction": rating, "cycle": case.cycle},
            public=True,
        )
        lead = _lead(case)
        if lead is not None:
            notify(
                case,
                staff_for_unit(case, lead),
                kind=EventKind.REOPENED,
                message=f"工单{case.ticket_number}回访不满意，需重新办理：{body[:100]}",
                at=now,
                fallback_label=lead.unit_label,
            )
        return _finish(case, now)


def _units_or_error(case: Case, lead: str, co_handlers: Sequence[str]) -> list[_Unit]:
    units, problems = _resolve_units(case, lead, list(co_handlers))
    if problems:
        raise CaseValidationError([FieldProblem("lead", "invalid_unit", p) for p in problems])
    return units


def _fresh_ack_due(case: Case, now: datetime) -> datetime | None:
    if case.ack_window_minutes is None:
        return case.ack_due
    return now + timedelta(minutes=case.ack_window_minutes)


calendar_of = engine.calendar_of


def _set_policy_deadlines(
    case: Case, start: datetime, *, ack: bool = True, calendar_version: int | None = None
) -> None:
    """Deadlines from the configured time limits, counted from ``start`` on the official calendar.

    Used where the engine gave none (manual queue) and for a reopened round, on the latest
    calendar version unless ``calendar_version`` names one; the version used is recorded.
    """
    rule = TimeLimitRule.objects.filter(request_type=case.request_type, urgency=case.urgency).first()
    if rule is None:
        raise CaseError(
            f"未配置“{case.request_type}·{Urgency(case.urgency).label}”的办理时限，请先在“办理时限”中补充。",
            code="no_time_limit",
        )
    if calendar_version is None:
        latest = engine.latest_calendar()
        calendar_version, calendar = latest.version, latest.calendar
    else:
        calendar = engine.calendar_for_version(calendar_version)
    local = timezone.localtime(start, local_zone())
    day = local.date()
    zone = local_zone()
    if ack:
        case.ack_due = start + timedelta(hours=rule.ack_hours)
        case.ack_window_minutes = rule.ack_hours * 60
    feedback_day = day if rule.feedback_same_day else calendar.add_working_days(day, rule.feedback_working_days or 0)
    case.feedback_due = datetime.combine(feedback_day, END_OF_DAY, tzinfo=zone)
    complete_day = calendar.add_working_days(day, rule.complete_working_days)
    case.complete_due = datetime.combine(complete_day, END_OF_DAY, tzinfo=zone)
    case.calendar_version = calendar_version
    case.calendar_estimated = any(calendar.is_estimated(d.year) for d in {feedback_day, complete_day})


MERGE_NOTE_MAX = 500


@retry_when_locked
def merge_case(
    case: Case | int,
    *,
    into: Case | int | str,
    actor: Any,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """合并: a new case that reports an open case's problem again is closed into that case.

    The new case becomes 已合并 with ``merged_into`` set, its units are released and its deadlines
    stop; the existing case's ``repeat_count`` grows by the merged case and whatever had been
    merged into it (those follow the existing case too). ``into`` is a case, its id or its ticket number.
    """
    check_texts(("note", "说明", note))
    now = now or timezone.now()
    who = _actor(actor)
    body = str(note or "").strip()[:MERGE_NOTE_MAX]
    with transaction.atomic():
        source_pk = case.pk if isinstance(case, Case) else case
        target_pk = _merge_target_pk(into)
        if source_pk == target_pk:
            raise InvalidTransition("不能把工单合并到它自己，请选择另一件工单。", code="same_case", field="into")
        locked = {pk: _lock(pk) for pk in sorted((source_pk, target_pk))}  # one lock order for every caller
        case, target = locked[source_pk], locked[target_pk]
        _require_dispatcher(who, case, "合并工单")
        if not can_dispatch(who, target):
            raise CasePermissionDenied(f"工单{target.ticket_number}不在您的辖区，不能合并到该工单。")
        require_state("merge", case.status)
        if not target.is_open:
            raise InvalidTransition(
                f"工单{target.ticket_number}当前为“{target.get_status_display()}”，只能合并到未办结的工单。",
                code="target_not_open",
                field="into",
            )
        previous = case.status
        released = list(case.assignments.filter(active=True).select_related("department"))
        Assignment.objects.filter(pk__in=[a.pk for a in released]).update(active=False)
        withdraw_pending_requests(case=case, at=now, note="工单已合并，申请自动撤销。")
        Case.objects.filter(merged_into=case).update(merged_into=target, updated_at=now)
        added = 1 + case.repeat_count
        case.status = S.MERGED
        case.merged_into = target
        target.repeat_count += added
        _event(
            case,
            EventKind.MERGED,
            who,
            now,
            from_status=previous,
            payload={"into": target.ticket_number, "note": body, "label": f"合并到工单{target.ticket_number}"},
            public=True,
        )
        _event(
            target,
            EventKind.MERGED,
            who,
            now,
            payload={
                "from": case.ticket_number,
                "added": added,
                "repeat_count": target.repeat_count,
                "note": body,
                "label": f"工单{case.ticket_number}合并到本工单，累计重复反映{target.repeat_count}次",
            },
        )
        target.save(update_fields=["repeat_count", "updated_at"])
        notify_all(
            case,
            [
                Delivery(
                    staff,
                    f"工单{case.ticket_number}已合并到工单{target.ticket_number}，本单位无需继续办理。",
                    a.unit_label,
                )
                for a, staff in zip(released, staff_for_units(case, released), strict=True)
            ],
            kind=EventKind.MERGED,
            at=now,
        )
        return _finish(case, now)


def _merge_target_pk(into: Case | int | str) -> int:
    if isinstance(into, Case):
        return into.pk
    if isinstance(into, int):
        return into
    ticket = str(into or "").strip().upper()
    pk = Case.objects.filter(ticket_number=ticket).values_list("pk", flat=True).first() if ticket else None
    if pk is None:
        raise CaseNotFound(f"未找到工单号为“{ticket}”的工单，请核对后重新输入。", field="into")
    return pk


@retry_when_locked
def set_priority(
    case: Case | int, *, actor: Any, priority: ResponsePriority | int | None, now: datetime | None = None
) -> Case:
    """The dispatcher sets (or, with ``None``, clears) an open case's 办理优先级; one event per change."""
    now = now or timezone.now()
    who = _actor(actor)
    with transaction.atomic():
        case = _lock(case)
        _require_dispatcher(who, case, "设定优先级")
        if not case.is_open:
            raise InvalidTransition(f"工单当前状态为“{case.get_status_display()}”，不能再设定优先级。")
        chosen = None
        if priority is not None:
            pk = priority.pk if isinstance(priority, ResponsePriority) else priority
            chosen = ResponsePriority.objects.for_category(case.category).filter(pk=pk).first()
            if chosen is None:
                raise CaseValidationError(
                    [FieldProblem("priority", "invalid_choice", "该优先级不存在或不适用于本工单的分类，请重新选择。")]
                )
        if (chosen.pk if chosen else None) == case.priority_id:
            return case
        before = case.priority.name if case.priority_id else ""
        case.priority = chosen
        _event(
            case,
            EventKind.PRIORITY_SET,
            who,
            now,
            payload={
                "priority": chosen.name if chosen else "",
                "previous": before,
                "label": f"优先级：{chosen.name}" if chosen else "已取消优先级",
            },
        )
        return _finish(case, now)


def find_case_for_resident(ticket_number: str, phone: str) -> Case | None:
    """A resident's own case: the ticket number and the phone they gave must both match.

    A merged ticket is still the resident's own case (status 已合并); its ``merged_into`` (loaded
    with it) is the case they now follow: show ``cases.duplicates.merged_summary`` and
    ``merged_notice`` (“该问题已有人反映，正在办理中”) with that case's public status.
    """
    ticket = str(ticket_number or "").strip().upper()
    digits = re.sub(r"\D", "", str(phone or ""))
    code = normalize_code(phone)  # the check code (查询码) proves it as well as the phone
    if not ticket or (len(digits) < 6 and not code):
        return None
    case = Case.objects.select_related("merged_into__category").filter(ticket_number=ticket).first()
    if case is None:
        return None
    if code:
        return case if case.check_code and secrets.compare_digest(case.check_code, code) else None
    return case if re.sub(r"\D", "", case.reporter_phone) == digits else None
