"""Intake: validate a submission from any channel (``cases.submission``), store it with a ticket number,
then dispatch it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..duplicates import PublicCaseSummary, already_reported, residents_reporting, scope_of
from ..escalation import (
    local_zone,
)
from ..locking import retry_when_locked
from ..models import (
    Case,
    CasePhoto,
    CaseStatus,
    EventKind,
    TicketCounter,
)
from ..permissions import Actor
from ..submission import CaseSubmission, CleanSubmission, validate_submission
from ..tracking import new_check_code
from .dispatching import decide_and_dispatch
from .steps import actor_of, record_event

logger = logging.getLogger(__name__)

S = CaseStatus


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
    data = validate_submission(submission, now)
    key = data.idempotency_key
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
        return tuple(already_reported(**scope_of(case)))
    except Exception:
        logger.exception("工单 %s 的重复诉求查询失败", case.ticket_number)
        return ()


@retry_when_locked
def _case_with_key(key: str) -> Case | None:
    return Case.objects.filter(idempotency_key=key).first()


@retry_when_locked
@transaction.atomic
def _store_received(data: CleanSubmission, actor: Actor, now: datetime) -> Case:
    case = Case.objects.create(
        ticket_number=next_ticket_number(now),
        check_code=new_check_code(),
        idempotency_key=data.idempotency_key,
        request_type=data.request_type,
        channel=data.channel,
        text=data.text,
        address=data.address,
        lat=data.lat,
        lng=data.lng,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        received_at=data.received_at,
        source=data.source,
        status=S.RECEIVED,
    )
    for photo in data.photos:
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
        payload={"channel": case.channel, "photos": len(data.photos)},
        public=True,
    )
    return case
