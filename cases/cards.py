"""黄牌 and 红牌 on the completion deadline of the current round of handling, issued by the deadline clock.

The moments are derived from the case's current ``complete_due`` every time, so an extension or
a pause that moves the deadline moves the cards with it; the numbers come from
``HandlingPolicy``. ``escalate_if_overdue`` issues the cards that are due, and
``next_check_moment`` wakes the case for the next one. The unique ``(case, cycle, colour)``
row makes each card happen once, however many tasks and sweeps run.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import HandlingPolicy

from . import engine
from .handlers import deciders
from .models import Assignment, CardColour, Case, CaseEvent, DeadlineCard, EventKind, SupervisionReason
from .notifications import notify, staff_for_handlers, staff_for_unit
from .supervision import open_supervision

# A deadline is met up to and including its instant (as in ``cases.escalation``).
OVERDUE_AFTER = timedelta(seconds=1)
# A calendar with no working day in this many days is broken; stop rather than loop for ever.
SEARCH_LIMIT_DAYS = 400


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


@dataclass(frozen=True)
class CardMoments:
    yellow: datetime
    red: datetime

    def for_colour(self, colour: str) -> datetime:
        return self.yellow if colour == CardColour.YELLOW else self.red


def _working_day_before(calendar, day: date, n: int) -> date:
    """The Nth working day strictly before ``day``; ``n == 0`` is ``day`` itself."""
    current = day
    for _ in range(n):
        for _ in range(SEARCH_LIMIT_DAYS):
            current -= timedelta(days=1)
            if calendar.is_working_day(current):
                break
        else:
            raise ValueError(f"工作日历在 {day:%Y-%m-%d} 之前 {SEARCH_LIMIT_DAYS} 天内没有工作日，请检查日历设置。")
    return current


def card_moments(complete_due: datetime, policy: HandlingPolicy, calendar=None) -> CardMoments:
    """When the yellow and the red card of a deadline fall due.

    Yellow: 00:00 of the Nth working day before the deadline's day (N = ``yellow_card_working_days``;
    0 means the deadline's day itself). Red: the Nth working day on which the case is overdue
    (N = ``red_card_overdue_working_days``, at least 1): the first is the day the deadline passes
    if that is a working day (from the instant it passes), otherwise the next working day from
    00:00 — so a deadline on the eve of a holiday turns red when work resumes.
    """
    calendar = calendar or engine.working_calendar()
    due = timezone.localtime(complete_due, _zone())
    yellow = _start_of(_working_day_before(calendar, due.date(), policy.yellow_card_working_days))
    overdue_from = due + OVERDUE_AFTER
    first_day = overdue_from.date()
    if calendar.is_working_day(first_day):
        first = overdue_from
    else:
        first_day = calendar.add_working_days(first_day, 1)
        first = _start_of(first_day)
    extra = max(policy.red_card_overdue_working_days, 1) - 1
    red = _start_of(calendar.add_working_days(first_day, extra)) if extra else first
    return CardMoments(yellow=yellow, red=red)


def cards_apply(case: Case) -> bool:
    """Only an open case still waiting for its completion can earn a card."""
    return case.pk is not None and case.is_open and case.complete_due is not None and case.resolved_at is None


def due_colours(case: Case, moments: CardMoments) -> list[CardColour]:
    """The cards this round can earn. A case received already inside the yellow period (a deadline
    within N working days) has nothing to be warned ahead of: it gets no yellow card, only a red one."""
    yellow = [CardColour.YELLOW] if moments.yellow > case.received_at else []
    return [*yellow, CardColour.RED]


def issued_colours(case: Case) -> set[str]:
    return set(DeadlineCard.objects.filter(case_id=case.pk, cycle=case.cycle).values_list("colour", flat=True))


def next_card_moment(
    case: Case, *, policy: HandlingPolicy | None = None, issued: Collection[str] | None = None
) -> datetime | None:
    """The moment of the earliest card of this round not yet issued (in the past when one is due)."""
    if not cards_apply(case):
        return None
    issued = issued_colours(case) if issued is None else issued
    if CardColour.RED in issued:
        return None
    moments = card_moments(case.complete_due, policy or HandlingPolicy.load(), engine.calendar_of(case))
    pending = [c for c in due_colours(case, moments) if c not in issued]
    return min(moments.for_colour(c) for c in pending) if pending else None


CARD_EVENT = {CardColour.YELLOW: EventKind.YELLOW_CARD, CardColour.RED: EventKind.RED_CARD}


def issue_due_cards(case: Case, assignments: Sequence[Assignment], now: datetime) -> list[DeadlineCard]:
    """Issue every card of this round whose moment has come; each once (the caller holds the case lock).

    A late sweep that finds a case already red issues the yellow card as well, so the record
    does not depend on when the clock was looked at. A red card opens a 督办单 when the policy says so.
    """
    if not cards_apply(case):
        return []
    issued = issued_colours(case)
    if CardColour.RED in issued:
        return []
    policy = HandlingPolicy.load()
    moments = card_moments(case.complete_due, policy, engine.calendar_of(case))
    lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
    created = []
    for colour in due_colours(case, moments):
        due_at = moments.for_colour(colour)
        if colour in issued or due_at > now:
            continue
        card = _issue(case, lead, colour, due_at, now)
        if card is None:
            continue
        created.append(card)
        if colour == CardColour.RED and policy.supervise_overdue:
            open_supervision(case, reason=SupervisionReason.OVERDUE, assignment=lead, now=now)
    return created


def _issue(case: Case, lead: Assignment | None, colour: str, due_at: datetime, now: datetime) -> DeadlineCard | None:
    try:
        with transaction.atomic():
            card = DeadlineCard.objects.create(
                case=case,
                cycle=case.cycle,
                colour=colour,
                department_id=lead.department_id if lead else None,
                subdistrict_id=case.subdistrict_id,
                complete_due=case.complete_due,
                due_at=due_at,
                issued_at=now,
            )
    except IntegrityError:
        return None  # another run issued it
    deadline = timezone.localtime(case.complete_due, _zone()).strftime("%Y-%m-%d %H:%M")
    CaseEvent.objects.create(
        case=case,
        kind=CARD_EVENT[colour],
        at=now,
        actor_label="系统",
        assignment=lead,
        from_status=case.status,
        to_status=case.status,
        payload={
            "colour": colour,
            "cycle": case.cycle,
            "complete_due": case.complete_due.isoformat(),
            "due_at": due_at.isoformat(),
            "label": f"{CardColour(colour).label}：办结时限 {deadline}",
        },
    )
    if colour == CardColour.YELLOW:
        message = f"黄牌预警：工单{case.ticket_number}将于{deadline}到达办结时限，请抓紧办理。"
    else:
        message = f"红牌警告：工单{case.ticket_number}已超过办结时限（{deadline}），请立即办结并说明逾期原因。"
    if lead is not None:
        staff, label = staff_for_unit(case, lead), lead.unit_label
    else:
        names = deciders(case)
        staff, label = staff_for_handlers(case, names), "、".join(names)
    notify(case, staff, kind=CARD_EVENT[colour], message=message, at=now, fallback_label=label)
    return card
