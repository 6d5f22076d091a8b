"""A department officer's home page: their queue in four groups, with counts, links and empty states."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import extensions, services
from cms.models import Department

from .conftest import at, story_submission
from .test_workbench import login, staff  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def queue(response) -> dict[str, tuple[int, list[str]]]:
    (panel,) = [p for p in response.context["panels"] if p.name == "cases_department_queue"]
    return {g.key: (g.count, [c.ticket_number for c in g.cases]) for g in panel.get_context_data()["groups"]}


def test_department_home_page_shows_the_queue(client, staff, story_case, clock):  # noqa: F811
    client = login(client, staff["drain"])
    ticket = story_case.ticket_number
    response = client.get(reverse("wagtailadmin_home"))
    content = response.content.decode()
    assert "data-department-queue" in content and "新派单待报到" in content and "待决定的退单/延期" in content
    assert queue(response) == {
        "new": (1, [ticket]),
        "due_soon": (1, [ticket]),  # 报到 due tomorrow 09:25
        "overdue": (0, []),
        "requests": (0, []),
    }
    assert "没有超期工单" in content and f"{reverse('cases_index')}?overdue=on" in content

    services.acknowledge(story_case.assignments.get(role="lead"), actor=staff["drain"])
    services.start(story_case, actor=staff["drain"])
    extensions.request_extension(story_case, actor=staff["drain"], working_days=2, reason="等待配件")
    clock.move_to(at(2026, 3, 26, 10, 0))  # past feedback and completion deadlines
    groups = queue(client.get(reverse("wagtailadmin_home")))
    assert groups["new"] == (0, []) and groups["due_soon"] == (0, [])
    assert groups["overdue"] == (1, [ticket]) and groups["requests"] == (1, [ticket])


def test_other_users_get_no_queue_panel(client, staff, story_case):  # noqa: F811
    response = login(client, staff["dispatcher"]).get(reverse("wagtailadmin_home"))
    assert "data-department-queue" not in response.content.decode()


def test_queue_query_count_does_not_grow_with_cases(client, staff, clock, django_assert_max_num_queries):  # noqa: F811
    for _ in range(8):
        services.submit_case(story_submission())
    client = login(client, staff["drain"])
    client.get(reverse("wagtailadmin_home"))
    from cases.workbench import department_queue

    department = Department.objects.get(code="dept-drain")
    with django_assert_max_num_queries(5):
        groups = department_queue(department.pk, at(2026, 3, 17, 10, 0))
    assert [(g.key, g.count, len(g.cases)) for g in groups] == [
        ("new", 8, 5),
        ("due_soon", 8, 5),
        ("overdue", 0, 0),
        ("requests", 0, 0),
    ]
