"""挂起: the clock stands still, nothing escalates, deadlines shift by the paused working days, capped."""

from __future__ import annotations

import pytest

from cases import escalation, pauses, services
from cases.errors import CasePermissionDenied, CaseValidationError, InvalidTransition
from cases.models import Escalation, EventKind, Notification

from .conftest import at
from .national_day import lead_of

pytestmark = pytest.mark.django_db

UNREACHABLE = "诉求人电话无法接通"


@pytest.fixture
def started(holiday_case, people):
    services.acknowledge(lead_of(holiday_case), actor=people["drain"])
    services.acknowledge(holiday_case.assignments.get(unit_code="dept-water"), actor=people["water"])
    services.start(holiday_case, actor=people["drain"])
    holiday_case.refresh_from_db()
    return holiday_case


def test_pause_stops_escalation_and_resume_shifts_open_deadlines(started, people, holiday_clock):
    case = started
    holiday_clock.move_to(at(2026, 9, 30, 10, 0))
    pauses.pause_case(case, actor=people["drain"], reason_code=UNREACHABLE, note="连续三次未接通")
    case.refresh_from_db()
    # Five working days after Wednesday 30 September: 8, 9, 10 (make-up Saturday), 12, 13 October.
    assert (case.paused_at, case.pause_reason, case.pause_ends_at, case.next_check_at) == (
        at(2026, 9, 30, 10, 0),
        UNREACHABLE,
        at(2026, 10, 13, 23, 59, 59),
        at(2026, 10, 14, 0, 0, 0),
    )
    # The feedback deadline (30 Sep) passes while paused: no flag, no escalation.
    outcome = escalation.escalate_if_overdue(case.pk, at(2026, 10, 8, 9, 0))
    case.refresh_from_db()
    assert (outcome.escalated, case.feedback_overdue_at, case.next_check_at) == (False, None, at(2026, 10, 14))
    with pytest.raises(InvalidTransition) as excinfo:
        services.give_feedback(case, actor=people["drain"], text="已联系")
    assert (excinfo.value.code, excinfo.value.message) == ("case_paused", "工单已挂起，请先恢复办理再反馈。")

    holiday_clock.move_to(at(2026, 10, 9, 15, 0))
    pauses.resume_case(case, actor=people["drain"], note="已联系上")
    case.refresh_from_db()
    # Paused on 30 Sep, resumed on 9 Oct: 8 and 9 October count, the holiday does not.
    assert (case.paused_at, case.pause_ends_at, case.paused_working_days) == (None, None, 2)
    assert (case.feedback_due, case.complete_due) == (at(2026, 10, 9, 23, 59, 59), at(2026, 10, 14, 23, 59, 59))
    assert case.next_check_at == at(2026, 10, 10, 0, 0, 0)
    payload = case.events.get(kind=EventKind.RESUMED).payload
    assert (payload["paused_working_days"], payload["total_paused_working_days"], payload["auto"]) == (2, 2, False)
    services.give_feedback(case, actor=people["drain"], text="已联系诉求人，约定周一上门")
    case.refresh_from_db()
    assert case.feedback_overdue_at is None
    assert not Escalation.objects.filter(case=case).exists()


def test_the_sweep_resumes_a_pause_at_the_cap_and_no_further_pause_is_allowed(started, people, holiday_clock):
    case = started
    services.give_feedback(case, actor=people["drain"], text="已现场查看")
    holiday_clock.move_to(at(2026, 10, 8, 9, 0))
    pauses.pause_case(case, actor=people["dispatcher"], reason_code="等待诉求人补充材料")
    holiday_clock.move_to(at(2026, 10, 9, 16, 0))
    pauses.resume_case(case, actor=people["dispatcher"])
    case.refresh_from_db()
    assert (case.paused_working_days, case.complete_due) == (1, at(2026, 10, 13, 23, 59, 59))

    holiday_clock.move_to(at(2026, 10, 12, 9, 0))
    pauses.pause_case(case, actor=people["drain"], reason_code=UNREACHABLE)
    case.refresh_from_db()
    # Four days left of the cap: 13, 14, 15, 16 October.
    assert (case.pause_ends_at, case.next_check_at) == (at(2026, 10, 16, 23, 59, 59), at(2026, 10, 17, 0, 0, 0))
    assert escalation.sweep_overdue(at(2026, 10, 16, 12, 0)).checked == 0
    holiday_clock.move_to(at(2026, 10, 17, 0, 0, 0))
    result = escalation.sweep_overdue(at(2026, 10, 17, 0, 0, 0))
    assert (result.checked, result.failed) == (1, 0)
    case.refresh_from_db()
    assert (case.paused_at, case.paused_working_days) == (None, 5)
    # The deadline of 13 Oct had not passed when paused on 12 Oct: it moves four working days.
    assert case.complete_due == at(2026, 10, 19, 23, 59, 59)
    resumed = case.events.filter(kind=EventKind.RESUMED).last()
    assert (resumed.actor_label, resumed.payload["auto"], resumed.payload["paused_working_days"]) == ("系统", True, 4)
    with pytest.raises(InvalidTransition) as excinfo:
        pauses.pause_case(case, actor=people["drain"], reason_code=UNREACHABLE)
    assert excinfo.value.code == "pause_cap_reached"
    assert excinfo.value.message == "本工单已累计挂起5个工作日，达到5个工作日上限，不能再挂起。"


def test_a_deadline_passed_before_the_pause_stays(started, people, holiday_clock):
    case = started
    holiday_clock.move_to(at(2026, 10, 8, 9, 0))  # the feedback deadline (30 Sep) has passed
    pauses.pause_case(case, actor=people["drain"], reason_code=UNREACHABLE)
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    pauses.resume_case(case, actor=people["drain"])
    case.refresh_from_db()
    assert (case.feedback_due, case.complete_due, case.paused_working_days) == (
        at(2026, 9, 30, 23, 59, 59),
        at(2026, 10, 13, 23, 59, 59),
        1,
    )


def test_who_may_pause_and_with_what_reason(holiday_case, started, people):
    case = started
    for user in ("water", "gas", "other_dispatcher", "nobody"):
        with pytest.raises(CasePermissionDenied):
            pauses.pause_case(case, actor=people[user], reason_code=UNREACHABLE)
    with pytest.raises(CaseValidationError) as excinfo:
        pauses.pause_case(case, actor=people["drain"], reason_code="想休息")
    assert (excinfo.value.problems[0].field, excinfo.value.problems[0].code) == ("reason_code", "invalid_choice")
    pauses.pause_case(case, actor=people["drain"], reason_code=UNREACHABLE)
    with pytest.raises(InvalidTransition) as excinfo:
        pauses.pause_case(case, actor=people["dispatcher"], reason_code=UNREACHABLE)
    assert excinfo.value.code == "already_paused"
    with pytest.raises(CasePermissionDenied):
        pauses.resume_case(case, actor=people["water"])
    pauses.resume_case(case, actor=people["supervisor"])
    with pytest.raises(InvalidTransition) as excinfo:
        pauses.resume_case(case, actor=people["drain"])
    assert excinfo.value.message == "工单未挂起，无需恢复办理。"


def test_pause_needs_the_lead_to_have_reported_in(holiday_case, people):
    with pytest.raises(InvalidTransition) as excinfo:
        pauses.pause_case(holiday_case, actor=people["dispatcher"], reason_code=UNREACHABLE)
    assert excinfo.value.message == "主办单位报到后才能挂起工单。"


def test_pausing_tells_the_subdistrict_and_resuming_tells_the_unit(started, people, holiday_clock):
    case = started
    holiday_clock.move_to(at(2026, 9, 30, 10, 0))
    pauses.pause_case(case, actor=people["drain"], reason_code=UNREACHABLE)
    # Staff of the reference data without an account get the message too; the dispatcher's account does.
    paused = Notification.objects.filter(kind=EventKind.PAUSED, recipient__isnull=False).values_list(
        "recipient__username", "message"
    )
    assert list(paused) == [
        (
            "disp",
            f"工单{case.ticket_number}已由“历下区排水服务中心”挂起：{UNREACHABLE}；最迟2026-10-13 23:59恢复办理。",
        )
    ]
    holiday_clock.move_to(at(2026, 10, 9, 15, 0))
    pauses.resume_case(case, actor=people["dispatcher"])
    resumed = Notification.objects.filter(kind=EventKind.RESUMED, recipient__isnull=False).values_list(
        "recipient__username", "message"
    )
    assert set(resumed) == {
        (name, f"工单{case.ticket_number}已恢复办理，办结时限为2026-10-14 23:59。") for name in ("drain", "drain2")
    }
