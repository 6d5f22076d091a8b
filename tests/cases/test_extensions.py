"""延期: applied for before the deadline, capped in total, approved (maybe fewer days) or refused."""

from __future__ import annotations

import pytest

from cases import escalation, extensions
from cases.errors import CasePermissionDenied, CaseValidationError, InvalidTransition
from cases.models import EventKind, ExtensionRequest, Notification
from cms.calendar import record_version
from cms.models import CalendarDay

from .conftest import at
from .national_day import handle

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(monkeypatch):
    """The wake-ups refresh_schedule enqueues, as (case id, moment)."""
    calls: list = []
    monkeypatch.setattr(escalation, "schedule_check", lambda case_id, moment: calls.append((case_id, moment)))
    return calls


def test_approved_extension_moves_the_deadline_from_the_original_one(holiday_case, people, holiday_clock, scheduled):
    handle(holiday_case, people)
    # The alarm wakes first for the yellow card: the working day before Monday 12 October is the
    # make-up Saturday 10 October.
    assert (holiday_case.complete_due, holiday_case.next_check_at) == (
        at(2026, 10, 12, 23, 59, 59),
        at(2026, 10, 10, 0, 0, 0),
    )
    holiday_clock.move_to(at(2026, 10, 9, 10, 0))
    record = extensions.request_extension(
        holiday_case, actor=people["drain"], working_days=4, reason="需协调物业开挖院内管道"
    )
    assert (record.state, record.working_days, record.previous_due) == ("pending", 4, at(2026, 10, 12, 23, 59, 59))
    holiday_case.refresh_from_db()
    assert holiday_case.complete_due == at(2026, 10, 12, 23, 59, 59)  # nothing moves before the decision

    holiday_clock.move_to(at(2026, 10, 10, 9, 0))  # Saturday, a make-up workday
    extensions.approve_extension(record, actor=people["dispatcher"], working_days=3, note="先批三天")
    holiday_case.refresh_from_db()
    record.refresh_from_db()
    # Three working days after Monday 12 October.
    assert (holiday_case.complete_due, holiday_case.original_complete_due, holiday_case.extended_working_days) == (
        at(2026, 10, 15, 23, 59, 59),
        at(2026, 10, 12, 23, 59, 59),
        3,
    )
    assert (record.state, record.approved_working_days, record.new_due) == (
        "approved",
        3,
        at(2026, 10, 15, 23, 59, 59),
    )
    # The yellow card of the new deadline (Thursday 15 October) is due on Wednesday 14 October.
    assert holiday_case.next_check_at == at(2026, 10, 14, 0, 0, 0)
    assert scheduled[-1] == (holiday_case.pk, at(2026, 10, 14, 0, 0, 0))
    event = holiday_case.events.get(kind=EventKind.EXTENSION_APPROVED)
    assert (event.public, event.payload) == (
        True,
        {
            "working_days": 3,
            "reason": "需协调物业开挖院内管道",
            "new_due": at(2026, 10, 15, 23, 59, 59).isoformat(),
            "requested_working_days": 4,
        },
    )
    assert holiday_case.events.get(kind=EventKind.EXTENSION_REQUESTED).payload == {
        "working_days": 4,
        "reason": "需协调物业开挖院内管道",
        "new_due": None,
    }
    told = Notification.objects.filter(kind=EventKind.EXTENSION_APPROVED).values_list("recipient__username", "message")
    assert list(told) == [
        ("drain", f"工单{holiday_case.ticket_number}延期申请已批准：延期3个工作日，办结时限调整为2026-10-15 23:59。")
    ]

    # The original deadline has passed, the extended one has not: nothing escalates.
    outcome = escalation.escalate_if_overdue(holiday_case.pk, at(2026, 10, 14, 9, 0))
    assert (outcome.escalated, outcome.level) == (False, 0)


def test_extensions_add_up_to_the_cap(holiday_case, people, holiday_clock):
    handle(holiday_case, people)
    first = extensions.request_extension(holiday_case, actor=people["drain"], working_days=3, reason="材料采购")
    extensions.approve_extension(first, actor=people["dispatcher"])
    with pytest.raises(CaseValidationError) as excinfo:
        extensions.request_extension(holiday_case, actor=people["drain"], working_days=8, reason="还要更久")
    assert [(p.field, p.code, p.message) for p in excinfo.value.problems] == [
        ("working_days", "too_many", "延期不能超过7个工作日（延期累计上限扣除已批准的天数）。")
    ]
    second = extensions.request_extension(holiday_case, actor=people["drain"], working_days=7, reason="施工许可")
    with pytest.raises(InvalidTransition) as excinfo:
        extensions.request_extension(holiday_case, actor=people["drain"], working_days=1, reason="再加一天")
    assert excinfo.value.message == "本工单已有延期申请正在等待审核，请勿重复提交。"
    extensions.approve_extension(second, actor=people["supervisor"])
    holiday_case.refresh_from_db()
    # Seven working days after Thursday 15 October = ten after the original Monday 12 October.
    assert (holiday_case.complete_due, holiday_case.original_complete_due, holiday_case.extended_working_days) == (
        at(2026, 10, 26, 23, 59, 59),
        at(2026, 10, 12, 23, 59, 59),
        10,
    )
    with pytest.raises(InvalidTransition) as excinfo:
        extensions.request_extension(holiday_case, actor=people["drain"], working_days=1, reason="再加一天")
    assert excinfo.value.code == "extension_cap_reached"
    assert excinfo.value.message == "本工单已累计批准延期10个工作日，达到10个工作日上限，不能再申请。"


def test_approving_more_days_than_asked_is_refused(holiday_case, people):
    handle(holiday_case, people)
    record = extensions.request_extension(holiday_case, actor=people["drain"], working_days=2, reason="等待配件")
    with pytest.raises(CaseValidationError) as excinfo:
        extensions.approve_extension(record, actor=people["dispatcher"], working_days=5)
    assert excinfo.value.problems[0].field == "working_days"
    record.refresh_from_db()
    assert record.state == "pending"


def test_application_must_come_before_the_deadline(holiday_case, people, holiday_clock):
    handle(holiday_case, people)
    holiday_clock.move_to(at(2026, 10, 13, 0, 0, 1))
    with pytest.raises(InvalidTransition) as excinfo:
        extensions.request_extension(holiday_case, actor=people["drain"], working_days=2, reason="来不及了")
    assert excinfo.value.code == "extension_too_late"
    assert excinfo.value.message == "办结时限（2026-10-12 23:59）已过，不能再申请延期；延期须在办结时限前申请。"
    assert not ExtensionRequest.objects.exists()


def test_refused_extension_keeps_the_deadline(holiday_case, people, holiday_clock):
    handle(holiday_case, people)
    record = extensions.request_extension(holiday_case, actor=people["drain"], working_days=2, reason="等待配件")
    extensions.refuse_extension(record, actor=people["dispatcher"], note="配件可当日采购")
    holiday_case.refresh_from_db()
    record.refresh_from_db()
    assert (record.state, holiday_case.complete_due, holiday_case.original_complete_due) == (
        "refused",
        at(2026, 10, 12, 23, 59, 59),
        None,
    )
    assert holiday_case.events.get(kind=EventKind.EXTENSION_REFUSED).payload == {
        "working_days": 2,
        "reason": "等待配件",
        "note": "配件可当日采购",
        "new_due": None,
    }
    told = Notification.objects.filter(kind=EventKind.EXTENSION_REFUSED).values_list("recipient__username", "message")
    assert list(told) == [
        (
            "drain",
            f"工单{holiday_case.ticket_number}延期申请被驳回，请按原办结时限（2026-10-12 23:59）办结：配件可当日采购",
        )
    ]


def test_only_the_lead_applies_and_only_a_dispatcher_decides(holiday_case, people):
    with pytest.raises(InvalidTransition) as excinfo:
        extensions.request_extension(holiday_case, actor=people["drain"], working_days=2, reason="等待配件")
    assert excinfo.value.message == "主办单位报到后才能申请延期。"
    handle(holiday_case, people)
    for user in ("water", "gas", "dispatcher", "nobody"):
        with pytest.raises(CasePermissionDenied):
            extensions.request_extension(holiday_case, actor=people[user], working_days=2, reason="等待配件")
    record = extensions.request_extension(holiday_case, actor=people["drain"], working_days=2, reason="等待配件")
    for user in ("drain", "water", "other_dispatcher", "nobody"):
        with pytest.raises(CasePermissionDenied):
            extensions.approve_extension(record, actor=people[user])
        with pytest.raises(CasePermissionDenied):
            extensions.refuse_extension(record, actor=people[user], note="不行")
    holiday_case.refresh_from_db()
    assert holiday_case.complete_due == at(2026, 10, 12, 23, 59, 59)
    assert ExtensionRequest.objects.get().state == "pending"


def test_extension_days_must_be_a_positive_number(holiday_case, people):
    handle(holiday_case, people)
    for value in (0, None, "三"):
        with pytest.raises(CaseValidationError) as excinfo:
            extensions.request_extension(holiday_case, actor=people["drain"], working_days=value, reason="等待配件")
        assert excinfo.value.problems[0].message == "请填写延期的工作日数（至少1个工作日）。"


def test_an_extension_counts_on_the_calendar_version_the_case_recorded(holiday_case, people, holiday_clock):
    """A holiday added to the calendar after intake does not move this case's extended deadline."""
    handle(holiday_case, people)
    recorded = holiday_case.calendar_version
    CalendarDay.objects.create(date="2026-10-14", is_working_day=False, name="临时停工", source="admin")
    assert record_version("新增 2026-10-14 临时停工").number == recorded + 1

    holiday_clock.move_to(at(2026, 10, 9, 10, 0))
    record = extensions.request_extension(holiday_case, actor=people["drain"], working_days=3, reason="需协调物业")
    extensions.approve_extension(record, actor=people["dispatcher"])
    holiday_case.refresh_from_db()
    # Monday 12 October + 3 working days on the recorded calendar (14 October still a working day).
    assert (holiday_case.complete_due, holiday_case.calendar_version) == (at(2026, 10, 15, 23, 59, 59), recorded)
