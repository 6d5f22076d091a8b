"""督办单: opened on a red card and on a second unsatisfied callback; replied by the unit, closed by 区督办."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import services
from cases.errors import CasePermissionDenied, CaseValidationError, InvalidTransition
from cases.escalation import escalate_if_overdue
from cases.models import CaseEvent, DeadlineCard, EventKind, Notification, SupervisionOrder
from cases.supervision import close_supervision, reply_supervision
from cms.models import HandlingPolicy

from .conftest import at
from .test_cards import eve_case  # noqa: F401 - a fixture

SUPERVISOR = "督办钱（区督办人员）"


def handle_and_rate(case, people, clock, satisfaction: str, moment) -> None:
    clock.move_to(moment)
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="在疏通")
    services.resolve(case, actor=people["drain"], resolution="已疏通")
    services.record_callback(case, actor=people["dispatcher"], satisfaction=satisfaction, note="还是有异味")


@pytest.fixture
def overdue_order(eve_case):  # noqa: F811
    escalate_if_overdue(eve_case.pk, at(2026, 10, 8, 0, 0))
    return SupervisionOrder.objects.get(case=eve_case)


def test_a_red_card_opens_an_order_for_the_lead_unit(overdue_order, eve_case):  # noqa: F811
    order = overdue_order
    ticket = eve_case.ticket_number
    assert (order.number, order.cycle, order.reason, order.department.code, order.status, order.issued_at) == (
        f"DB-{ticket}-1-YQ",
        1,
        "overdue",
        "dept-drain",
        "open",
        at(2026, 10, 8, 0, 0),
    )
    assert (order.unit_label, order.subdistrict.name) == ("历下区排水服务中心", "泉城路街道")
    event = CaseEvent.objects.get(case=eve_case, kind=EventKind.SUPERVISED)
    assert event.payload == {
        "action": "issued",
        "number": order.number,
        "reason_code": "overdue",
        "label": f"督办单{order.number}：逾期未办结",
    }
    assert sorted(Notification.objects.filter(kind=EventKind.SUPERVISED).values_list("recipient_label", "message")) == [
        (
            "排水李工（部门办理人员）",
            f"工单{ticket}逾期未办结，区督办已下达督办单{order.number}，请尽快办理并回复。",
        ),
        (
            "排水王工（部门办理人员）",
            f"工单{ticket}逾期未办结，区督办已下达督办单{order.number}，请尽快办理并回复。",
        ),
        (SUPERVISOR, f"督办单{order.number}：工单{ticket}逾期未办结，被督办单位：历下区排水服务中心。"),
    ]


def test_no_order_on_overdue_when_the_policy_says_so(eve_case):  # noqa: F811
    policy = HandlingPolicy.load()
    policy.supervise_overdue = False
    policy.save()
    escalate_if_overdue(eve_case.pk, at(2026, 10, 8, 0, 0))
    assert DeadlineCard.objects.filter(case=eve_case, colour="red").count() == 1
    assert not SupervisionOrder.objects.exists()


def test_second_unsatisfied_callback_opens_an_order_and_the_first_does_not(story_case, people, clock):
    clock.move_to(at(2026, 3, 17, 10, 0))
    for a in story_case.assignments.all():
        services.acknowledge(a, actor=people["drain"] if a.unit_code == "dept-drain" else people["water"])
    handle_and_rate(story_case, people, clock, "unsatisfied", at(2026, 3, 19, 10, 0))
    assert not SupervisionOrder.objects.exists()
    clock.move_to(at(2026, 3, 20, 9, 0))
    services.reopen(story_case, actor=people["dispatcher"], reason="居民反映仍有异味")
    handle_and_rate(story_case, people, clock, "unsatisfied", at(2026, 3, 23, 15, 0))
    order = SupervisionOrder.objects.get()
    assert (order.number, order.cycle, order.reason, order.department.code, order.issued_at) == (
        f"DB-{story_case.ticket_number}-2-BM",
        2,
        "repeat_unsatisfied",
        "dept-drain",
        at(2026, 3, 23, 15, 0),
    )
    assert set(Notification.objects.filter(kind=EventKind.SUPERVISED).values_list("recipient_label", flat=True)) == {
        SUPERVISOR,
        "排水王工（部门办理人员）",
        "排水李工（部门办理人员）",
    }


def test_second_unsatisfied_callback_without_the_policy(story_case, people, clock):
    policy = HandlingPolicy.load()
    policy.supervise_repeat_unsatisfied = False
    policy.save()
    clock.move_to(at(2026, 3, 17, 10, 0))
    for a in story_case.assignments.all():
        services.acknowledge(a, actor=people["drain"] if a.unit_code == "dept-drain" else people["water"])
    handle_and_rate(story_case, people, clock, "unsatisfied", at(2026, 3, 19, 10, 0))
    services.reopen(story_case, actor=people["dispatcher"], reason="居民反映仍有异味")
    handle_and_rate(story_case, people, clock, "unsatisfied", at(2026, 3, 23, 15, 0))
    assert not SupervisionOrder.objects.exists()


def test_the_unit_replies_and_the_supervisor_closes(overdue_order, people, clock):
    order = overdue_order
    for outsider in ("water", "gas", "dispatcher", "supervisor"):
        with pytest.raises(CasePermissionDenied, match="只有被督办单位“历下区排水服务中心”的人员可以回复督办单。"):
            reply_supervision(order, actor=people[outsider], text="已安排")
    with pytest.raises(CaseValidationError):
        reply_supervision(order, actor=people["drain"], text=" ")
    with pytest.raises(InvalidTransition, match="只有已回复的督办单才能销号"):
        close_supervision(order, actor=people["supervisor"])

    clock.move_to(at(2026, 10, 8, 10, 0))
    reply_supervision(order, actor=people["drain2"], text="已安排抢修，今日办结。")
    order.refresh_from_db()
    assert (order.status, order.reply, order.replied_at, order.replied_by_label) == (
        "replied",
        "已安排抢修，今日办结。",
        at(2026, 10, 8, 10, 0),
        "排水李工（部门办理人员）",
    )
    with pytest.raises(InvalidTransition, match="已回复，不能再回复"):
        reply_supervision(order, actor=people["drain"], text="补充")
    for outsider in ("drain", "dispatcher"):
        with pytest.raises(CasePermissionDenied, match="只有区督办人员可以督办销号。"):
            close_supervision(order, actor=people[outsider])

    clock.move_to(at(2026, 10, 9, 9, 0))
    close_supervision(order, actor=people["supervisor"], note="已核实")
    order.refresh_from_db()
    assert (order.status, order.closed_at, order.closed_by_label, order.close_note) == (
        "closed",
        at(2026, 10, 9, 9, 0),
        SUPERVISOR,
        "已核实",
    )
    actions = list(
        CaseEvent.objects.filter(case=order.case, kind=EventKind.SUPERVISED).order_by("at").values_list("payload")
    )
    assert [p[0]["action"] for p in actions] == ["issued", "replied", "closed"]
    assert Notification.objects.filter(kind=EventKind.SUPERVISED, message=f"督办单{order.number}已销号。").count() == 2


def test_supervision_list_and_actions_in_the_admin(client, people, overdue_order, clock):
    order = overdue_order
    people["supervisor"].groups.add(Group.objects.get(name="区督办"))
    people["drain"].groups.add(Group.objects.get(name="部门办理人员"))
    people["gas"].groups.add(Group.objects.get(name="部门办理人员"))

    client.force_login(people["nobody"])
    response = client.get(reverse("cases_supervision"))
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/cases/supervision/")

    client.force_login(people["gas"])
    assert client.get(reverse("cases_supervision")).context["page"].paginator.count == 0
    response = client.post(reverse("cases_supervision_action", args=[order.pk, "reply"]), {"text": "不是我们"})
    assert response.status_code == 404

    client.force_login(people["supervisor"])
    listing = client.get(reverse("cases_supervision"), {"status": "open", "reason": "overdue"})
    assert [o.number for o in listing.context["page"]] == [order.number]
    assert f'data-order="{order.number}" data-status="open"' in listing.content.decode()
    assert client.get(reverse("cases_supervision"), {"status": "closed"}).context["page"].paginator.count == 0
    assert client.get(reverse("cases_supervision"), {"department": "dept-gas"}).context["page"].paginator.count == 0
    assert client.get(reverse("cases_supervision"), {"department": "dept-drain"}).context["page"].paginator.count == 1

    client.force_login(people["drain"])
    assert client.get(reverse("cases_supervision")).context["page"].paginator.count == 1
    detail = client.get(reverse("cases_detail", args=[order.case_id])).content.decode()
    assert 'data-action="supervision_reply"' in detail and 'data-action="supervision_close"' not in detail
    response = client.post(reverse("cases_supervision_action", args=[order.pk, "close"]))
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["只有区督办人员可以督办销号。"]
    client.post(reverse("cases_supervision_action", args=[order.pk, "reply"]), {"text": "已安排抢修"})
    order.refresh_from_db()
    assert (order.status, order.reply) == ("replied", "已安排抢修")

    client.force_login(people["supervisor"])
    detail = client.get(reverse("cases_detail", args=[order.case_id])).content.decode()
    assert 'data-action="supervision_close"' in detail and "已安排抢修" in detail
    client.post(reverse("cases_supervision_action", args=[order.pk, "close"]), {"note": "同意销号"})
    order.refresh_from_db()
    assert (order.status, order.close_note) == ("closed", "同意销号")
