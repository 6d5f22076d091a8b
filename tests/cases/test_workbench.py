"""The staff workbench in the Wagtail admin: who sees what, the buttons, the board, the menu."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, EventKind

from .conftest import at

GROUP_OF = {
    "drain": "部门办理人员",
    "drain2": "部门办理人员",
    "water": "部门办理人员",
    "gas": "部门办理人员",
    "grid": "网格员",
    "other_grid": "网格员",
    "dispatcher": "街道调度员",
    "other_dispatcher": "街道调度员",
    "supervisor": "区督办",
}


@pytest.fixture
def staff(people):
    for name, group in GROUP_OF.items():
        people[name].groups.add(Group.objects.get(name=group))
    return people


def login(client, user):
    client.force_login(user)
    return client


def tickets(response) -> list[str]:
    return [case.ticket_number for case in response.context["page"]]


REPLY_SNIPPET_PERMISSIONS = sorted(
    f"cms.{action}_{model}"
    for model in ("replytemplate", "responsepriority")
    for action in ("add", "change", "delete", "view")
)


def test_role_groups_open_the_admin_and_the_case_screens(reference_data):
    groups = {
        g.name: sorted(f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all())
        for g in Group.objects.filter(name__in=set(GROUP_OF.values())).prefetch_related("permissions__content_type")
    }
    assert groups == {
        "网格员": ["cases.change_case", "cases.view_case", "wagtailadmin.access_admin"],
        "部门办理人员": ["cases.change_case", "cases.view_case", "wagtailadmin.access_admin"],
        "街道调度员": [
            "cases.change_case",
            "cases.dispatch_case",
            "cases.view_case",
            "cases.view_case_scores",
            *REPLY_SNIPPET_PERMISSIONS,
            "wagtailadmin.access_admin",
        ],
        "区督办": [
            "cases.change_case",
            "cases.dispatch_case",
            "cases.view_case",
            "cases.view_case_scores",
            *sorted([*REPLY_SNIPPET_PERMISSIONS, "cms.change_handlingpolicy"]),
            "wagtailadmin.access_admin",
        ],
    }


@pytest.mark.parametrize(
    "url",
    [
        "cases_index",
        "cases_whistle",
        "cases_scores",
        "cases_notifications",
    ],
)
def test_every_screen_refuses_a_user_without_the_permission(client, staff, url):
    response = login(client, staff["nobody"]).get(reverse(url))
    assert response.status_code == 302
    assert response.url.startswith(reverse("wagtailadmin_login"))


def test_scores_need_the_scores_permission(client, staff):
    response = login(client, staff["drain"]).get(reverse("cases_scores"))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_listing_shows_each_role_only_its_cases(client, staff, story_case, clock):
    clock.move_to(at(2026, 3, 17, 10, 0))
    gas = services.submit_case(
        services.CaseSubmission(
            request_type="投诉",
            text="明湖小区3号楼楼道里一股煤气味。",
            channel="12345",
            address="历下区大明湖街道明湖小区3号楼",
        )
    ).case
    expected = {
        "drain": [story_case.ticket_number],
        "gas": [gas.ticket_number],
        "grid": [story_case.ticket_number],
        "other_grid": [],
        "dispatcher": [story_case.ticket_number],
        "supervisor": [gas.ticket_number, story_case.ticket_number],
    }
    for name, visible in expected.items():
        response = login(client, staff[name]).get(reverse("cases_index"))
        assert response.status_code == 200
        assert tickets(response) == visible, name


def test_listing_filters(client, staff, story_case, clock):
    client = login(client, staff["supervisor"])
    url = reverse("cases_index")
    assert tickets(client.get(url, {"whistle": "on"})) == [story_case.ticket_number]
    assert tickets(client.get(url, {"status": "closed"})) == []
    assert tickets(client.get(url, {"category": "cat-drain"})) == [story_case.ticket_number]
    assert tickets(client.get(url, {"category": "cat-water-quality"})) == []
    assert tickets(client.get(url, {"q": "黄水"})) == [story_case.ticket_number]
    assert tickets(client.get(url, {"overdue": "on"})) == []
    assert tickets(client.get(url, {"due_soon": "on"})) == [story_case.ticket_number]  # 报到 due tomorrow 09:25
    services.acknowledge(story_case.assignments.get(role="lead"), actor=staff["drain"])
    services.acknowledge(story_case.assignments.get(role="co"), actor=staff["water"])
    assert tickets(client.get(url, {"due_soon": "on"})) == []  # feedback is due in 38 hours
    clock.move_to(at(2026, 3, 18, 8, 0))
    assert tickets(client.get(url, {"due_soon": "on"})) == [story_case.ticket_number]
    clock.move_to(at(2026, 3, 19, 0, 0, 1))
    assert tickets(client.get(url, {"overdue": "on"})) == [story_case.ticket_number]  # no feedback given


def test_listing_query_count_does_not_grow_with_rows(client, staff, clock, django_assert_max_num_queries):
    from .conftest import story_submission

    for _ in range(6):
        services.submit_case(story_submission())
    client = login(client, staff["supervisor"])
    client.get(reverse("cases_index"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cases_index"))
    assert len(tickets(response)) == 6


def test_detail_shows_the_timeline_and_only_the_users_buttons(client, staff, story_case):
    response = login(client, staff["drain"]).get(reverse("cases_detail", args=[story_case.pk]))
    assert response.status_code == 200
    assert [(a.name, a.unit_label) for a in response.context["actions"]] == [
        ("acknowledge", "历下区排水服务中心"),
        ("return_assignment", "历下区排水服务中心"),
    ]
    assert [e.kind for e in response.context["events"]] == ["received", "dispatched"]
    assert response.context["reporter_phone"] == "13812345678"  # the lead unit calls the resident back
    content = response.content.decode()
    assert 'data-action="acknowledge"' in content and "报到（历下区排水服务中心）" in content

    response = login(client, staff["water"]).get(reverse("cases_detail", args=[story_case.pk]))
    assert [(a.name, a.unit_label) for a in response.context["actions"]] == [
        ("acknowledge", "济南水务集团历下供水服务中心"),
        ("return_assignment", "济南水务集团历下供水服务中心"),
    ]
    assert response.context["reporter_phone"] == "138****5678"
    assert response.context["reporter_name"] == "张**"

    response = login(client, staff["dispatcher"]).get(reverse("cases_detail", args=[story_case.pk]))
    # While units handle the case, the dispatcher may only set its priority or merge it into another.
    assert [a.name for a in response.context["actions"]] == ["set_priority", "merge"]

    assert login(client, staff["gas"]).get(reverse("cases_detail", args=[story_case.pk])).status_code == 404


def test_buttons_post_to_the_services(client, staff, story_case, clock):
    lead = story_case.assignments.get(role="lead")
    client = login(client, staff["drain"])
    url = reverse("cases_action", args=[story_case.pk, "acknowledge"])
    response = client.post(url, {"assignment": lead.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已报到。"]
    response = login(client, staff["drain2"]).post(url, {"assignment": lead.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "“历下区排水服务中心”已于2026-03-17 09:25由排水王工（部门办理人员）报到，无需重复报到。"
    ]
    assert CaseEvent.objects.filter(case=story_case, kind=EventKind.ACKNOWLEDGED).count() == 1
    # Someone else's assignment, or a case the user cannot see, is not found.
    co = story_case.assignments.get(role="co")
    response = client.post(url, {"assignment": co.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "只有承办单位“济南水务集团历下供水服务中心”的人员可以报到。"
    ]
    assert login(client, staff["gas"]).post(url, {"assignment": lead.pk}).status_code == 404


def test_whistle_board_shows_each_departments_report_in(client, staff, story_case, clock):
    clock.move_to(at(2026, 3, 17, 10, 0))
    services.acknowledge(story_case.assignments.get(role="lead"), actor=staff["drain"])
    clock.move_to(at(2026, 3, 18, 10, 0))
    response = login(client, staff["dispatcher"]).get(reverse("cases_whistle"))
    ((row),) = response.context["board"]
    assert row.case == story_case
    assert [(c.unit_label, c.role_label, c.state_label, c.at, c.ack_due) for c in row.cells] == [
        ("历下区排水服务中心", "主办", "已报到", at(2026, 3, 17, 10, 0), at(2026, 3, 18, 9, 25)),
        ("济南水务集团历下供水服务中心", "协办", "逾期未报到", at(2026, 3, 18, 9, 25), at(2026, 3, 18, 9, 25)),
    ]
    content = response.content.decode()
    assert "报到时限" in content and "2026-03-18 09:25" in content and "提级层级：" in content
    assert login(client, staff["other_dispatcher"]).get(reverse("cases_whistle")).context["board"] == []


def test_whistle_board_after_reopen_shows_live_status_and_level(client, staff, story_case, clock):
    from cases.escalation import escalate_if_overdue

    lead = story_case.assignments.get(role="lead")
    services.acknowledge(lead, actor=staff["drain"])
    services.acknowledge(story_case.assignments.get(role="co"), actor=staff["water"])
    services.start(story_case, actor=staff["drain"])
    services.give_feedback(story_case, actor=staff["drain"], text="已安排人员现场查看")
    services.resolve(story_case, actor=staff["drain"], resolution="已疏通")
    services.record_callback(story_case, actor=staff["dispatcher"], satisfaction="unsatisfied", note="仍有黄水")
    services.reopen(story_case, actor=staff["dispatcher"], reason="居民反映仍有黄水")
    story_case.refresh_from_db()
    clock.move_to(story_case.complete_due + timedelta(days=3))
    escalate_if_overdue(story_case.pk)
    story_case.refresh_from_db()
    assert story_case.escalation_level > 0

    response = login(client, staff["dispatcher"]).get(reverse("cases_whistle"))
    ((row),) = response.context["board"]
    assert [c.state_label for c in row.cells] == ["已报到", "已报到"]  # not 已反馈 from the first round
    top = story_case.escalations.order_by("-level").first()
    assert row.level_name == top.name and top.name
    content = response.content.decode()
    assert f"提级层级：第{story_case.escalation_level}级“{top.name}”" in content
    assert story_case.complete_due.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") in content


def test_notifications_inbox(client, staff, story_case):
    response = login(client, staff["water"]).get(reverse("cases_notifications"))
    assert [n.message for n in response.context["page"]] == [
        f"新工单{story_case.ticket_number}（协办）：请在2026-03-18 09:25前报到。"
    ]
    client.post(reverse("cases_notifications"))
    response = client.get(reverse("cases_notifications"))
    assert [n.read_at is not None for n in response.context["page"]] == [True]


def test_menu_lists_the_case_screens(client, staff):
    response = login(client, staff["dispatcher"]).get(reverse("wagtailadmin_home"))
    content = response.content.decode()
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', content, re.S)
    menu = json.dumps(json.loads(props.group(1)), ensure_ascii=False)
    for label in ("诉求工单", "我的工单", "人工派单队列", "吹哨报到看板", "考核统计", "工单通知"):
        assert f'"{label}"' in menu, label
    assert "data-cases-dashboard" in content
    assert "工单考核（近30天）" in content
    # An officer has no scores: neither the menu entry nor the dashboard panel.
    content = login(client, staff["drain"]).get(reverse("wagtailadmin_home")).content.decode()
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', content, re.S)
    menu = json.dumps(json.loads(props.group(1)), ensure_ascii=False)
    assert '"我的工单"' in menu and '"考核统计"' not in menu and '"人工派单队列"' not in menu
    assert "data-cases-dashboard" not in content


def test_manual_queue_is_dispatched_from_the_case_page(client, staff, clock, monkeypatch):
    from cases import engine

    from .conftest import story_submission

    monkeypatch.setattr(engine, "decide_request", lambda request, history: 1 / 0)
    case = services.submit_case(story_submission()).case
    client = login(client, staff["dispatcher"])
    queue = client.get(reverse("cases_index"), {"status": "pending_dispatch"})
    assert tickets(queue) == [case.ticket_number]
    page = client.get(reverse("cases_detail", args=[case.pk]))
    assert [a.name for a in page.context["actions"]] == ["manual_dispatch", "set_priority", "merge"]
    response = client.post(
        reverse("cases_action", args=[case.pk, "manual_dispatch"]),
        {
            "lead": "dept-drain",
            "co_handlers": ["dept-water"],
            "category": "cat-drain-sewer",
            "grid": "grid-furongli-02",
            "whistle": "on",
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["已派单。"]
    case.refresh_from_db()
    assert (case.status, case.whistle, case.grid.code) == ("dispatched", True, "grid-furongli-02")
    assert list(case.assignments.values_list("unit_code", "role")) == [("dept-drain", "lead"), ("dept-water", "co")]
    # A bad choice comes back as a message and changes nothing.
    other = services.submit_case(story_submission()).case
    response = client.post(reverse("cases_action", args=[other.pk, "manual_dispatch"]), {"lead": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["未确定主办单位"]
    other.refresh_from_db()
    assert other.status == "pending_dispatch"


def test_actions_need_the_change_permission(client, staff, story_case):
    viewer = staff["drain2"]
    viewer.groups.clear()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_case")
    )
    lead = story_case.assignments.get(role="lead")
    response = login(client, viewer).post(
        reverse("cases_action", args=[story_case.pk, "acknowledge"]), {"assignment": lead.pk}
    )
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert CaseEvent.objects.filter(case=story_case, kind=EventKind.ACKNOWLEDGED).count() == 0


def test_garbage_requests_never_give_a_server_error(client, staff, story_case):
    client = login(client, staff["supervisor"])
    assert client.get(reverse("cases_index"), {"status": "bogus", "p": "abc", "category": "nope"}).status_code == 200
    assert client.get(reverse("cases_scores"), {"start": "yesterday", "end": "2026-13-45"}).status_code == 200
    assert client.get(reverse("cases_detail", args=[999999])).status_code == 404
    action = reverse("cases_action", args=[story_case.pk, "explode"])
    assert client.post(action).status_code == 404
    acknowledge = reverse("cases_action", args=[story_case.pk, "acknowledge"])
    assert client.post(acknowledge, {"assignment": "x"}).status_code == 404
    assert client.get(acknowledge).status_code == 405
    assert CaseEvent.objects.filter(case=story_case).count() == 2
