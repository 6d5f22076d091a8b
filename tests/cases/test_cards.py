"""黄牌 and 红牌 with a frozen clock around Mid-Autumn and National Day 2026 (official calendar, 调休 included).

2026: 25 September (Friday) is Mid-Autumn; 1–7 October are off; Sunday 20 September and
Saturday 10 October are make-up working days.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases import services
from cases.cards import card_moments
from cases.escalation import escalate_if_overdue, refresh_schedule, sweep_overdue
from cases.models import Case, CaseEvent, DeadlineCard, EventKind, Notification, SupervisionOrder
from cases.tasks import check_case_deadlines
from cms.models import HandlingPolicy

from .conftest import at, story_submission
from .test_escalation import GAS_TEXT

DRAIN_STAFF = ["排水李工（部门办理人员）", "排水王工（部门办理人员）"]


@pytest.fixture
def eve_case(people, clock) -> Case:
    """The 芙蓉街 story received on Tuesday 22 September: due at the end of 30 September, the eve of the holiday."""
    clock.move_to(at(2026, 9, 22, 9, 0))
    case = services.submit_case(story_submission()).case
    assert case.complete_due == at(2026, 9, 30, 23, 59, 59)
    return case


@pytest.fixture
def gas_case(people, clock) -> Case:
    """Urgent gas smell on 30 September: due at the end of Saturday 10 October, a make-up working day."""
    clock.move_to(at(2026, 9, 30, 19, 40))
    case = services.submit_case(
        services.CaseSubmission(
            request_type="投诉", text=GAS_TEXT, channel="12345", address="历下区大明湖街道明湖小区3号楼"
        )
    ).case
    assert case.complete_due == at(2026, 10, 10, 23, 59, 59)
    return case


def cards(case: Case) -> list[tuple]:
    return list(
        DeadlineCard.objects.filter(case=case)
        .order_by("due_at")
        .values_list("cycle", "colour", "department__code", "due_at", "issued_at")
    )


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_label", "message"))


def test_yellow_on_the_working_day_before_a_make_up_saturday_and_red_after_sunday(gas_case):
    case = gas_case
    ticket = case.ticket_number
    assert escalate_if_overdue(case.pk, at(2026, 10, 8, 23, 59, 59)).next_check_at == at(2026, 10, 9, 0, 0)
    assert cards(case) == []

    outcome = escalate_if_overdue(case.pk, at(2026, 10, 9, 0, 0))
    assert cards(case) == [(1, "yellow", "dept-gas", at(2026, 10, 9, 0, 0), at(2026, 10, 9, 0, 0))]
    assert outcome.next_check_at == at(2026, 10, 11, 0, 0)  # the completion deadline passing
    assert told(EventKind.YELLOW_CARD) == [
        ("燃气孙工（部门办理人员）", f"黄牌预警：工单{ticket}将于2026-10-10 23:59到达办结时限，请抓紧办理。")
    ]
    event = case.events.get(kind=EventKind.YELLOW_CARD)
    assert (event.assignment.unit_code, event.payload["due_at"]) == ("dept-gas", "2026-10-09T00:00:00+08:00")

    # Overdue from 11 October, a Sunday: no red until Monday.
    assert escalate_if_overdue(case.pk, at(2026, 10, 11, 0, 0)).next_check_at == at(2026, 10, 12, 0, 0)
    assert escalate_if_overdue(case.pk, at(2026, 10, 11, 23, 59, 59)).next_check_at == at(2026, 10, 12, 0, 0)
    assert [c[1] for c in cards(case)] == ["yellow"]

    escalate_if_overdue(case.pk, at(2026, 10, 12, 0, 0))
    assert cards(case)[1] == (1, "red", "dept-gas", at(2026, 10, 12, 0, 0), at(2026, 10, 12, 0, 0))
    assert told(EventKind.RED_CARD) == [
        (
            "燃气孙工（部门办理人员）",
            f"红牌警告：工单{ticket}已超过办结时限（2026-10-10 23:59），请立即办结并说明逾期原因。",
        )
    ]
    assert list(case.events.filter(kind__in=[EventKind.YELLOW_CARD, EventKind.RED_CARD]).values_list("kind")) == [
        ("yellow_card",),
        ("red_card",),
    ]


def test_a_deadline_on_the_eve_of_national_day_turns_red_when_work_resumes(eve_case):
    case = eve_case
    escalate_if_overdue(case.pk, at(2026, 9, 28, 23, 59, 59))
    assert cards(case) == []
    escalate_if_overdue(case.pk, at(2026, 9, 29, 0, 0))
    assert [c[1:4] for c in cards(case)] == [("yellow", "dept-drain", at(2026, 9, 29, 0, 0))]
    assert [label for label, _ in told(EventKind.YELLOW_CARD)] == DRAIN_STAFF

    for day in range(1, 8):  # the whole holiday passes without a red card
        escalate_if_overdue(case.pk, at(2026, 10, day, 12, 0))
    assert len(cards(case)) == 1
    case.refresh_from_db()
    assert case.next_check_at == at(2026, 10, 8, 0, 0)

    escalate_if_overdue(case.pk, at(2026, 10, 8, 0, 0))
    assert cards(case)[1][1:4] == ("red", "dept-drain", at(2026, 10, 8, 0, 0))


def test_card_moments_follow_the_policy(reference_data):
    policy = HandlingPolicy.load()
    due = at(2026, 9, 30, 23, 59, 59)
    assert card_moments(due, policy) == card_moments(due, policy).__class__(
        yellow=at(2026, 9, 29, 0, 0), red=at(2026, 10, 8, 0, 0)
    )
    policy.yellow_card_working_days, policy.red_card_overdue_working_days = 3, 2
    # Three working days before 30 September skip the weekend and Mid-Autumn (25 September).
    moments = card_moments(due, policy)
    assert (moments.yellow, moments.red) == (at(2026, 9, 24, 0, 0), at(2026, 10, 9, 0, 0))
    policy.yellow_card_working_days = 0
    assert card_moments(due, policy).yellow == at(2026, 9, 30, 0, 0)
    # A deadline in the middle of a working day is red from the second after it.
    assert card_moments(at(2026, 10, 9, 14, 0), HandlingPolicy.load()).red == at(2026, 10, 9, 14, 0, 1)


def test_each_card_once_when_tasks_and_sweeps_run_twice(eve_case):
    moment = at(2026, 10, 8, 9, 0)  # late: both cards are due
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.utils.timezone.now", lambda: moment)
        check_case_deadlines.call(eve_case.pk)
        check_case_deadlines.call(eve_case.pk)
    sweep_overdue(moment)
    escalate_if_overdue(eve_case.pk, moment, source="sweep")
    assert [(c[1], c[3], c[4]) for c in cards(eve_case)] == [
        ("yellow", at(2026, 9, 29, 0, 0), moment),
        ("red", at(2026, 10, 8, 0, 0), moment),
    ]
    kinds = [EventKind.YELLOW_CARD, EventKind.RED_CARD, EventKind.SUPERVISED]
    assert sorted(CaseEvent.objects.filter(case=eve_case, kind__in=kinds).values_list("kind", flat=True)) == [
        "red_card",
        "supervised",
        "yellow_card",
    ]
    assert Notification.objects.filter(kind=EventKind.RED_CARD).count() == 2  # two drain officers, once each
    assert SupervisionOrder.objects.filter(case=eve_case).count() == 1


def test_no_card_after_resolve(eve_case, people, clock):
    case = eve_case
    clock.move_to(at(2026, 9, 22, 10, 0))
    services.acknowledge(case.assignments.get(role="lead"), actor=people["drain"])
    services.acknowledge(case.assignments.get(role="co"), actor=people["water"])
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="在疏通")
    services.resolve(case, actor=people["drain"], resolution="已疏通")
    case.refresh_from_db()
    assert case.next_check_at is None
    for moment in (at(2026, 9, 29, 0, 0), at(2026, 10, 8, 0, 0), at(2026, 10, 20, 0, 0)):
        escalate_if_overdue(case.pk, moment)
    assert cards(case) == []
    assert not Notification.objects.filter(kind__in=[EventKind.YELLOW_CARD, EventKind.RED_CARD]).exists()


def test_a_moved_deadline_moves_the_next_card(eve_case):
    """What an extension or a pause does: change complete_due and refresh the schedule."""
    case = eve_case
    case.complete_due = at(2026, 10, 9, 23, 59, 59)
    refresh_schedule(case, list(case.assignments.all()), at(2026, 9, 22, 9, 30))
    case.save()
    escalate_if_overdue(case.pk, at(2026, 9, 29, 0, 0))
    escalate_if_overdue(case.pk, at(2026, 10, 7, 12, 0))
    assert cards(case) == []
    case.refresh_from_db()
    assert case.next_check_at == at(2026, 10, 8, 0, 0)  # yellow: the working day before 9 October
    escalate_if_overdue(case.pk, at(2026, 10, 8, 0, 0))
    assert [(c[1], c[3]) for c in cards(case)] == [("yellow", at(2026, 10, 8, 0, 0))]


def test_badges_and_card_filter_in_the_workbench(client, people, eve_case, gas_case):
    escalate_if_overdue(eve_case.pk, at(2026, 10, 8, 0, 0))
    escalate_if_overdue(gas_case.pk, at(2026, 10, 9, 0, 0))
    people["supervisor"].groups.add(Group.objects.get(name="区督办"))
    client.force_login(people["supervisor"])

    content = client.get(reverse("cases_index")).content.decode()
    assert f'data-card="red" data-card-ticket="{eve_case.ticket_number}"' in content
    assert f'data-card="yellow" data-card-ticket="{gas_case.ticket_number}"' in content
    red = client.get(reverse("cases_index"), {"card": "red"})
    assert [c.ticket_number for c in red.context["page"]] == [eve_case.ticket_number]
    yellow = client.get(reverse("cases_index"), {"card": "yellow"})
    assert [c.ticket_number for c in yellow.context["page"]] == [gas_case.ticket_number]

    detail = client.get(reverse("cases_detail", args=[eve_case.pk])).content.decode()
    assert "data-cards" in detail and "红牌" in detail and "2026-10-08 00:00" in detail


def test_a_case_received_inside_the_yellow_period_gets_only_the_red_card(eve_case):
    case = eve_case
    case.complete_due = at(2026, 9, 22, 23, 59, 59)  # the day of receipt: no working day to warn ahead of
    refresh_schedule(case, list(case.assignments.all()), at(2026, 9, 22, 9, 0))
    case.save()
    escalate_if_overdue(case.pk, at(2026, 9, 22, 12, 0))
    assert cards(case) == []
    escalate_if_overdue(case.pk, at(2026, 9, 23, 0, 0))
    assert [(c[1], c[3]) for c in cards(case)] == [("red", at(2026, 9, 23, 0, 0))]
