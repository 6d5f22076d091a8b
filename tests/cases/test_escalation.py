"""Deadlines and escalation with a frozen clock, across the 2026 National Day holiday."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from cases import services
from cases.escalation import escalate_if_overdue, escalation_facts, level_for, sweep_overdue
from cases.models import Assignment, Case, CaseEvent, Escalation, EventKind, Notification
from cases.tasks import check_case_deadlines
from cms.models import StaffRole
from notify.models import Notice
from notify.services import deliver

from .conftest import at
from .factories import StaffMemberFactory, UserFactory

GAS_TEXT = (
    "来电人反映明湖小区3号楼二单元楼道里一股煤气味，晚上下班回家一进单元就闻到了，担心出事，希望燃气公司赶紧派人来查。"
)


@pytest.fixture
def gas_case(people, clock):
    """rt-dev-01: urgent gas smell on the eve of National Day, acknowledged in time."""
    clock.move_to(at(2026, 9, 30, 19, 40))
    case = services.submit_case(
        services.CaseSubmission(
            request_type="投诉",
            text=GAS_TEXT,
            channel="12345",
            address="历下区大明湖街道明湖小区3号楼",
            reporter_phone="13912345678",
        )
    ).case
    clock.move_to(at(2026, 9, 30, 20, 30))
    services.acknowledge(case.assignments.get(), actor=people["gas"])
    case.refresh_from_db()
    return case


def levels(case: Case) -> list[tuple[int, str]]:
    return list(case.escalations.order_by("level").values_list("level", "name"))


def test_holiday_deadlines_and_one_level_per_working_day(gas_case, people):
    case = gas_case
    assert (case.urgency, case.lead_department.code) == ("urgent", "dept-gas")
    assert (case.ack_due, case.feedback_due, case.complete_due) == (
        at(2026, 9, 30, 20, 40),
        at(2026, 9, 30, 23, 59, 59),
        at(2026, 10, 10, 23, 59, 59),
    )
    assert case.next_check_at == at(2026, 10, 1, 0, 0, 0)

    # Feedback missed: flagged once, the lead unit told, no level change.
    outcome = escalate_if_overdue(case.pk, at(2026, 10, 1, 0, 0, 0))
    # The next wake-up is the yellow card (tests/cases/test_cards.py), on Friday 9 October.
    assert (outcome.level, outcome.next_check_at) == (0, at(2026, 10, 9, 0, 0, 0))
    assert escalate_if_overdue(case.pk, at(2026, 10, 1, 0, 5)).level == 0
    assert case.events.filter(kind=EventKind.FEEDBACK_OVERDUE).count() == 1
    assert list(
        Notification.objects.filter(kind=EventKind.FEEDBACK_OVERDUE).values_list("recipient_label", flat=True)
    ) == ["燃气孙工（部门办理人员）"]

    # The whole holiday passes without a level: 10 October (Saturday) is a make-up working day.
    assert escalate_if_overdue(case.pk, at(2026, 10, 7, 12, 0)).level == 0
    assert escalate_if_overdue(case.pk, at(2026, 10, 10, 23, 59, 59)).level == 0

    outcome = escalate_if_overdue(case.pk, at(2026, 10, 11, 0, 0, 0))
    assert (outcome.previous_level, outcome.level) == (0, 1)
    # Sunday 11 October is no working day: the red card waits for Monday 12 October, the next rung
    # for its end.
    assert outcome.next_check_at == at(2026, 10, 12, 0, 0, 0)
    assert escalate_if_overdue(case.pk, at(2026, 10, 12, 0, 0, 0)).next_check_at == at(2026, 10, 13, 0, 0, 0)
    assert escalate_if_overdue(case.pk, at(2026, 10, 12, 23, 59, 59)).level == 1
    outcome = escalate_if_overdue(case.pk, at(2026, 10, 13, 0, 0, 0))
    assert (outcome.level, outcome.next_check_at) == (2, at(2026, 10, 14, 0, 0, 0))
    assert escalate_if_overdue(case.pk, at(2026, 10, 14, 0, 0, 0)).level == 3
    outcome = escalate_if_overdue(case.pk, at(2026, 10, 15, 0, 0, 0))
    assert (outcome.level, outcome.next_check_at) == (4, None)  # the cap: nothing more to wait for
    assert escalate_if_overdue(case.pk, at(2026, 11, 30, 0, 0, 0)).level == 4

    assert levels(case) == [(1, "巷长协调"), (2, "街长协调"), (3, "街道吹哨"), (4, "区督办")]
    case.refresh_from_db()
    assert (case.escalation_level, case.next_check_at) == (4, None)
    told = {
        level: sorted(
            Notification.objects.filter(escalation__case=case, escalation__level=level).values_list(
                "recipient_label", flat=True
            )
        )
        for level in (1, 2, 3, 4)
    }
    assert told == {
        1: ["孔洁（巷长）"],
        2: ["贾峰（街长）"],
        3: ["燃气孙工（部门办理人员）", "翟霞（街道吹哨调度员）", "调度员郑（街道吹哨调度员）"],
        4: ["督办钱（区督办人员）"],
    }
    assert Notification.objects.get(escalation__level=1).message == (
        f"工单{case.ticket_number}已提级至第1级“巷长协调”，请巷长督促处置。各级责任人：第1级“巷长协调”：孔洁（巷长）。"
    )
    # Level 4 names every rung below it too, from the alley and street of the case's address.
    assert Notification.objects.get(escalation__level=4).message.endswith(
        "各级责任人：第1级“巷长协调”：孔洁（巷长）；第2级“街长协调”：贾峰（街长）；"
        "第3级“街道吹哨”：翟霞（街道吹哨调度员）、燃气孙工（部门办理人员）、调度员郑（街道吹哨调度员）；"
        "第4级“区督办”：督办钱（区督办人员）。"
    )
    events = case.events.filter(kind=EventKind.ESCALATED).order_by("at")
    assert [(e.payload["from_level"], e.payload["to_level"]) for e in events] == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_unacknowledged_case_jumps_levels_once_after_a_long_outage(people, clock):
    story = services.submit_case(
        services.CaseSubmission(
            request_type="投诉",
            text="芙蓉街16号院院里的下水道堵了，污水往外漫。",
            channel="web",
            address="历下区泉城路街道芙蓉街16号",
        )
    ).case
    assert story.complete_due == at(2026, 3, 24, 23, 59, 59)
    # Nobody reported in and nothing was done; the first look comes on Thursday 26 March.
    outcome = escalate_if_overdue(story.pk, at(2026, 3, 26, 10, 0), source="sweep")
    # 0 + ack overdue + completion overdue + 25 March fully elapsed = 3
    assert (outcome.previous_level, outcome.level) == (0, 3)
    assert list(story.escalations.values_list("level", "source")) == [(1, "sweep"), (2, "sweep"), (3, "sweep")]
    assert story.events.filter(kind=EventKind.ESCALATED).count() == 1
    # Only the rung reached is told, not the ones passed on the way.
    assert set(Notification.objects.filter(kind=EventKind.ESCALATED).values_list("escalation__level", flat=True)) == {3}
    # … but its notice names the people on the rungs passed: the 巷长 and 街长 of the address.
    message = Notification.objects.filter(kind=EventKind.ESCALATED).first().message
    assert "第1级“巷长协调”：孟泽宇（巷长）；第2级“街长协调”：李建国（街长）；第3级“街道吹哨”：" in message


def test_task_twice_and_sweep_beside_it_escalate_once(gas_case):
    moment = at(2026, 10, 11, 0, 0, 0)
    assert escalate_if_overdue(gas_case.pk, moment, source="task").level == 1
    assert escalate_if_overdue(gas_case.pk, moment, source="task").level == 1
    result = sweep_overdue(moment)
    assert (result.escalated, result.failed) == (0, 0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.utils.timezone.now", lambda: moment)
        assert check_case_deadlines.call(gas_case.pk) == 1
    assert Escalation.objects.filter(case=gas_case).count() == 1
    assert CaseEvent.objects.filter(case=gas_case, kind=EventKind.ESCALATED).count() == 1


def test_escalation_email_goes_after_commit(gas_case, django_capture_on_commit_callbacks):
    StaffMemberFactory(
        role=StaffRole.ALLEY_CHIEF, name="巷长孔", alley=gas_case.alley, user=UserFactory(username="alleychief")
    )
    earlier = list(Notice.objects.values_list("pk", flat=True))  # the dispatch notice of the fixture
    with django_capture_on_commit_callbacks(execute=True):
        escalate_if_overdue(gas_case.pk, at(2026, 10, 11, 0, 0, 0))
    assert mail.outbox == []  # the task worker sends it, not the request
    for notice_id in Notice.objects.filter(channel="email").exclude(pk__in=earlier).values_list("pk", flat=True):
        deliver(notice_id)
    ticket = gas_case.ticket_number
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        (
            "alleychief@example.org",
            f"[{ticket}] 工单{ticket}已提级至第1级“巷长协调”，请巷长督促处置。"
            "各级责任人：第1级“巷长协调”：孔洁（巷长）、巷长孔（巷长）。",
        ),
        ("gas@example.org", f"[{ticket}] 工单{ticket}已超过反馈时限，请尽快向诉求人反馈办理情况。"),
        ("gas@example.org", f"[{ticket}] 黄牌预警：工单{ticket}将于2026-10-10 23:59到达办结时限，请抓紧办理。"),
    ]


def test_resolved_late_stops_the_clock(gas_case, people, clock):
    clock.move_to(at(2026, 10, 9, 9, 0))
    services.start(gas_case, actor=people["gas"])
    services.give_feedback(gas_case, actor=people["gas"], text="已关阀检修。")
    clock.move_to(at(2026, 10, 12, 11, 0))
    escalate_if_overdue(gas_case.pk, at(2026, 10, 12, 11, 0))
    services.resolve(gas_case, actor=people["gas"], resolution="更换了泄漏的阀门。")
    assert escalate_if_overdue(gas_case.pk, at(2026, 10, 20, 0, 0)).level == 1
    gas_case.refresh_from_db()
    assert (gas_case.escalation_level, gas_case.next_check_at) == (1, None)


def test_escalate_overdue_command_sweeps_and_summarises(gas_case, clock):
    clock.move_to(at(2026, 10, 13, 8, 0))
    call_command("escalate_overdue", stdout=(out := io.StringIO()))
    assert out.getvalue().splitlines()[-1] == "检查 1 件，提级 1 件，补做派单 0 件，失败 0 件。"
    gas_case.refresh_from_db()
    assert gas_case.escalation_level == 2
    call_command("escalate_overdue", stdout=(out := io.StringIO()))
    assert out.getvalue().splitlines()[-1] == "检查 0 件，提级 0 件，补做派单 0 件，失败 0 件。"


def _example_case(example: dict) -> tuple[Case, list[Assignment]]:
    parse = datetime.fromisoformat
    case = Case(
        pk=1,
        received_at=parse(example["received_at"]),
        ack_due=parse(example["ack_due"]),
        complete_due=parse(example["complete_due"]),
        initial_level=example["initial_level"],
        escalation_level=example["initial_level"],
        resolved_at=parse(example["completed_at"]) if example["completed_at"] else None,
    )
    assignment = Assignment(
        cycle=1,
        active=True,
        ack_due=case.ack_due,
        acknowledged_at=parse(example["acked_at"]) if example["acked_at"] else None,
    )
    return case, [assignment]


EXAMPLES = json.loads((Path(settings.BASE_DIR) / "data" / "jinan" / "rules.json").read_text("utf-8"))["escalation"][
    "examples"
]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_formula_examples_of_the_ruleset(reference_data, example):
    case, assignments = _example_case(example)
    evaluated = datetime.fromisoformat(example["evaluated_at"])
    assert level_for(case, escalation_facts(case, assignments, evaluated)).level == example["expected_level"]


def test_escalate_overdue_every_keeps_sweeping_until_stopped(gas_case, clock, monkeypatch):
    sleeps: list[int] = []

    def fake_sleep(seconds: int) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("ops.resilience.time.sleep", fake_sleep)
    monkeypatch.setattr("ops.resilience.close_old_connections", lambda: None)  # inside the test transaction
    clock.move_to(at(2026, 10, 13, 8, 0))
    call_command("escalate_overdue", "--every", "30", stdout=(out := io.StringIO()))
    # The first pass escalates and reports; the quiet second pass prints nothing; Ctrl+C ends the loop.
    assert out.getvalue().splitlines() == ["检查 1 件，提级 1 件，补做派单 0 件，失败 0 件。"]
    assert sleeps == [30, 30]
    gas_case.refresh_from_db()
    assert gas_case.escalation_level == 2


def test_escalate_overdue_every_must_be_positive(db):
    with pytest.raises(CommandError, match="--every 必须是正整数"):
        call_command("escalate_overdue", "--every", "0", stdout=io.StringIO())
