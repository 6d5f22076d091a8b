"""Durable deadlines: when to look at a case next, and what to do when a deadline has passed unmet.

``escalate_if_overdue`` is the only place a level is raised. It recomputes the level from the
formula of the escalation ruleset each time (``level = min(cap, initial + [ack overdue] +
[completion overdue] + whole working days overdue)``), so running it twice, late, or beside
the sweep never raises a level twice; the unique ``(case, level)`` row is the last guard.
``next_check_at`` on the case is the durable alarm clock; tasks and the sweep only wake it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import engine
from .cards import issue_due_cards, next_card_moment
from .locking import retry_when_locked
from .models import Assignment, Case, CaseEvent, CaseStatus, Escalation, EventKind
from .notifications import ladder_roll, notify, staff_for_handlers, staff_for_unit
from .tasks import schedule_check

logger = logging.getLogger(__name__)

# A deadline is met up to and including its instant; the check runs one second after it.
GRACE = timedelta(seconds=1)
END_OF_DAY = time(23, 59, 59)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=local_zone())


@dataclass(frozen=True)
class EscalationFacts:
    ack_overdue: bool
    complete_overdue: bool
    overdue_working_days: int

    def as_kwargs(self) -> dict:
        return {
            "ack_overdue": self.ack_overdue,
            "complete_overdue": self.complete_overdue,
            "overdue_working_days": self.overdue_working_days,
        }


@dataclass(frozen=True)
class EscalationOutcome:
    case_id: int
    previous_level: int
    level: int
    next_check_at: datetime | None

    @property
    def escalated(self) -> bool:
        return self.level > self.previous_level


def _current_cycle(case: Case, assignments: Sequence[Assignment]) -> list[Assignment]:
    return [a for a in assignments if a.cycle == case.cycle]


def escalation_facts(case: Case, assignments: Sequence[Assignment], now: datetime) -> EscalationFacts:
    """The facts of the formula at ``now`` for this round of handling (``case.cycle``).

    With several units (街巷吹哨), 报到 is late when any unit still on the case reported in after
    its deadline or has not yet by it; a unit that returned the case no longer counts. Completion
    stops the clock at ``resolved_at``.
    """
    cycle = _current_cycle(case, assignments)
    active = [a for a in cycle if a.active and a.ack_due is not None]
    if active:
        ack_overdue = any((a.acknowledged_at or now) > a.ack_due for a in active)
    elif case.cycle == 1 and case.ack_due is not None:
        acked_in_time = any(a.acknowledged_at and a.ack_due and a.acknowledged_at <= a.ack_due for a in cycle)
        ack_overdue = not acked_in_time and now > case.ack_due
    else:
        ack_overdue = False
    stop = case.resolved_at if case.resolved_at and case.resolved_at <= now else now
    complete_overdue = case.complete_due is not None and stop > case.complete_due
    days = engine.overdue_working_days(case.complete_due, stop) if complete_overdue else 0
    return EscalationFacts(ack_overdue, complete_overdue, days)


def level_for(case: Case, facts: EscalationFacts) -> engine.LadderStep:
    return engine.decide_escalation(initial_level=case.initial_level, **facts.as_kwargs())


def next_check_moment(case: Case, assignments: Sequence[Assignment], now: datetime) -> datetime | None:
    """The earliest moment at which something about this case may change by the clock alone.

    A moment in the past means "look now": an escalation, an overdue feedback or a card is pending.
    """
    if not case.is_open:
        return None
    if case.is_paused:
        # The clock stands still while paused; the only thing the clock can do is end the pause at its cap.
        return case.pause_ends_at + GRACE if case.pause_ends_at else None
    facts = escalation_facts(case, assignments, now)
    decided = level_for(case, facts)
    candidates: list[datetime] = []
    if decided.level > case.escalation_level:
        candidates.append(now)
    cycle = _current_cycle(case, assignments)
    waiting = [a for a in cycle if a.active and a.ack_due is not None and a.acknowledged_at is None]
    candidates += [a.ack_due + GRACE for a in waiting if a.ack_due >= now]
    if not any(a.active for a in cycle) and case.cycle == 1 and case.ack_due and case.ack_due >= now:
        candidates.append(case.ack_due + GRACE)
    if case.feedback_due and case.feedback_at is None and case.feedback_overdue_at is None:
        candidates.append(case.feedback_due + GRACE)
    if case.complete_due is not None and case.resolved_at is None:
        if case.complete_due >= now:
            candidates.append(case.complete_due + GRACE)
        else:
            days = facts.overdue_working_days
            further = engine.decide_escalation(
                initial_level=case.initial_level,
                ack_overdue=facts.ack_overdue,
                complete_overdue=True,
                overdue_working_days=days + 1,
            )
            if further.level > max(case.escalation_level, decided.level):
                due_day = case.complete_due.astimezone(local_zone()).date()
                boundary = engine.calendar_of(case).add_working_days(due_day, days + 1)
                candidates.append(end_of_day(boundary) + GRACE)
    card = next_card_moment(case)
    if card is not None:
        candidates.append(card)
    return min(candidates) if candidates else None


def refresh_schedule(case: Case, assignments: Sequence[Assignment], now: datetime) -> bool:
    """Set ``case.next_check_at`` and, when it moved, enqueue a wake-up for it (after commit).

    Every value the alarm ever takes gets its own task, so a task that wakes up early finds
    nothing to do and the task for the current value is already waiting. The caller saves.
    """
    moment = next_check_moment(case, assignments, now)
    if moment == case.next_check_at:
        return False
    case.next_check_at = moment
    if moment is not None:
        schedule_check(case.pk, max(moment, now))
    return True


def ladder_step(level: int) -> engine.LadderStep:
    """Name and handlers of one rung, asked from the escalation ruleset."""
    return engine.decide_escalation(
        initial_level=level, ack_overdue=False, complete_overdue=False, overdue_working_days=0
    )


def record_escalation(
    case: Case,
    *,
    previous: int,
    decided: engine.LadderStep,
    facts: dict,
    source: str,
    now: datetime,
    actor_label: str = "系统",
) -> list[Escalation] | None:
    """Write one row per new level (None if another run already wrote them), an event, notifications."""
    rows = []
    for level in range(previous + 1, decided.level + 1):
        step = decided if level == decided.level else ladder_step(level)
        rows.append(
            Escalation(
                case=case,
                level=level,
                code=step.code or "",
                name=step.name or "",
                handlers=list(step.handlers),
                trigger="、".join(decided.fired_rules)[:255],
                facts=facts,
                source=source,
                at=now,
            )
        )
    try:
        with transaction.atomic():
            created = Escalation.objects.bulk_create(rows)
    except IntegrityError:
        return None
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.ESCALATED,
        at=now,
        actor_label=actor_label,
        from_status=case.status,
        to_status=case.status,
        payload={
            "from_level": previous,
            "to_level": decided.level,
            "name": decided.name,
            "handlers": list(decided.handlers),
            "fired_rules": list(decided.fired_rules),
            "facts": facts,
            "source": source,
        },
    )
    top = created[-1]
    handlers = "、".join(decided.handlers)
    earlier = [(level, ladder_step(level)) for level in range(1, previous + 1)]
    rungs = [(level, s.name, s.handlers) for level, s in earlier] + [(r.level, r.name, r.handlers) for r in created]
    notify(
        case,
        staff_for_handlers(case, decided.handlers),
        kind=EventKind.ESCALATED,
        message=f"工单{case.ticket_number}已提级至第{decided.level}级“{decided.name}”，请{handlers}督促处置。"
        f"各级责任人：{ladder_roll(case, rungs)}。",
        at=now,
        fallback_label=handlers,
        escalation=top,
    )
    return created


@retry_when_locked
def escalate_if_overdue(case_id: int, now: datetime | None = None, *, source: str = "task") -> EscalationOutcome:
    """Raise the case to the level its deadlines call for, once; flag overdue feedback; issue due
    黄牌/红牌 (and the 督办单 of a red card); re-arm the alarm."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return EscalationOutcome(case_id, 0, 0, None)
        previous = case.escalation_level
        if not case.is_open:
            if case.next_check_at is not None:
                Case.objects.filter(pk=case.pk).update(next_check_at=None)
            return EscalationOutcome(case_id, previous, previous, None)
        assignments = list(case.assignments.select_related("department"))
        if case.is_paused:
            if case.pause_ends_at is None or now < case.pause_ends_at:
                if refresh_schedule(case, assignments, now):
                    Case.objects.filter(pk=case.pk).update(next_check_at=case.next_check_at)
                return EscalationOutcome(case_id, previous, previous, case.next_check_at)
            from .pauses import resume_at_cap

            resume_at_cap(case, now)
        facts = escalation_facts(case, assignments, now)
        decided = level_for(case, facts)
        if decided.level > previous:
            fact_record = {**facts.as_kwargs(), "initial_level": case.initial_level, "evaluated_at": now.isoformat()}
            if (
                record_escalation(case, previous=previous, decided=decided, facts=fact_record, source=source, now=now)
                is None
            ):
                return EscalationOutcome(case_id, previous, previous, case.next_check_at)
            # Compare-and-set: on databases without row locks a concurrent run finds 0 rows here.
            if not Case.objects.filter(pk=case.pk, escalation_level=previous).update(escalation_level=decided.level):
                transaction.set_rollback(True)
                return EscalationOutcome(case_id, previous, previous, case.next_check_at)
            case.escalation_level = decided.level
        if (
            case.feedback_due is not None
            and case.feedback_at is None
            and case.feedback_overdue_at is None
            and now > case.feedback_due
            and Case.objects.filter(pk=case.pk, feedback_overdue_at__isnull=True).update(feedback_overdue_at=now)
        ):
            case.feedback_overdue_at = now
            _flag_feedback_overdue(case, assignments, now)
        issue_due_cards(case, assignments, now)
        if refresh_schedule(case, assignments, now):
            Case.objects.filter(pk=case.pk).update(next_check_at=case.next_check_at)
        return EscalationOutcome(case_id, previous, case.escalation_level, case.next_check_at)


def _flag_feedback_overdue(case: Case, assignments: Sequence[Assignment], now: datetime) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.FEEDBACK_OVERDUE,
        at=now,
        actor_label="系统",
        from_status=case.status,
        to_status=case.status,
        payload={"feedback_due": case.feedback_due.isoformat()},
    )
    lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
    if lead is not None:
        notify(
            case,
            staff_for_unit(case, lead),
            kind=EventKind.FEEDBACK_OVERDUE,
            message=f"工单{case.ticket_number}已超过反馈时限，请尽快向诉求人反馈办理情况。",
            at=now,
            fallback_label=lead.unit_label,
        )


@dataclass(frozen=True)
class SweepResult:
    checked: int
    escalated: int
    failed: int
    redecided: int


# A case still "received" this long after intake lost its decision step (crash, restart, a cut
# database connection). Intake decides within a second; ``decide_and_dispatch`` locks the case and
# re-checks its status, so a sweep that overlaps a late intake cannot decide twice.
STALE_RECEIVED = timedelta(seconds=30)


def sweep_overdue(
    now: datetime | None = None,
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Catch up on everything a lost or late task missed: due alarms, and intakes left undecided."""
    from .services import decide_and_dispatch

    now = now or timezone.now()
    due = Case.objects.filter(next_check_at__lte=now).order_by("next_check_at").values_list("pk", flat=True)
    ids = list(due[:limit] if limit else due)
    escalated = failed = 0
    for index, pk in enumerate(ids, 1):
        try:
            if escalate_if_overdue(pk, now, source="sweep").escalated:
                escalated += 1
        except Exception:
            failed += 1
            logger.exception("巡检工单 %s 失败", pk)
        if progress:
            progress(index, len(ids))
    redecided = 0
    stale = Case.objects.filter(status=CaseStatus.RECEIVED, created_at__lt=now - STALE_RECEIVED).order_by()
    for pk in stale.values_list("pk", flat=True):
        try:
            decide_and_dispatch(pk, now=now)
            redecided += 1
        except Exception:
            failed += 1
            logger.exception("补做派单决定失败：工单 %s", pk)
    return SweepResult(len(ids), escalated, failed, redecided)
