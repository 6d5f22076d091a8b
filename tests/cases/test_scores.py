"""考核 figures over a month with known outcomes, the charts, and the XLSX export."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from cases import returns, services
from cases.escalation import sweep_overdue
from cases.models import Case, CaseEvent, EventKind
from cases.scores import compute_scores

from .conftest import at, story_submission
from .test_escalation import GAS_TEXT


@pytest.fixture
def month(people, clock):
    """Three cases of March 2026: one on time and satisfied, one never acknowledged, one late and unsatisfied."""
    p = people
    story = services.submit_case(story_submission()).case
    lead, co = story.assignments.order_by("id")
    clock.move_to(at(2026, 3, 17, 10, 0))
    services.acknowledge(lead, actor=p["drain"])
    services.acknowledge(co, actor=p["water"])
    services.start(story, actor=p["drain"])
    services.give_feedback(story, actor=p["drain"], text="在疏通")
    clock.move_to(at(2026, 3, 17, 12, 0))
    services.submit_case(
        story_submission(text="芙蓉街16号院下水道堵了，污水往外漫。", address="历下区泉城路街道芙蓉街14号")
    )
    clock.move_to(at(2026, 3, 18, 19, 40))
    gas = services.submit_case(
        services.CaseSubmission(
            request_type="投诉", text=GAS_TEXT, channel="12345", address="历下区大明湖街道明湖小区3号楼"
        )
    ).case
    clock.move_to(at(2026, 3, 18, 21, 0))
    services.acknowledge(gas.assignments.get(), actor=p["gas"])
    services.start(gas, actor=p["gas"])
    services.give_feedback(gas, actor=p["gas"], text="已关阀")
    clock.move_to(at(2026, 3, 20, 16, 0))
    services.resolve(story, actor=p["drain"], resolution="已疏通")
    services.record_callback(story, actor=p["dispatcher"], satisfaction="satisfied")
    clock.move_to(at(2026, 3, 25, 10, 0))
    services.resolve(gas, actor=p["gas"], resolution="已更换阀门")
    services.record_callback(gas, actor=p["supervisor"], satisfaction="unsatisfied")
    clock.move_to(at(2026, 3, 30, 9, 0))
    return story, gas


def figures(row) -> tuple:
    return (
        row.name,
        row.dispatched,
        row.response_rate,
        row.cases,
        row.resolution_rate,
        row.on_time_rate,
        row.satisfaction_rate,
        row.mean_handling_hours,
    )


def test_department_and_subdistrict_scores(month):
    scores = compute_scores(date(2026, 3, 1), date(2026, 3, 31), now=at(2026, 3, 30, 9, 0))
    assert [figures(r) for r in scores.departments] == [
        ("历下区排水服务中心", 2, 0.5, 2, 0.5, 0.5, 1.0, 78.6),
        ("济南水务集团历下供水服务中心", 1, 1.0, 0, None, None, None, None),
        ("济南港华燃气历下客户服务中心", 1, 0.0, 1, 1.0, 0.0, 0.0, 158.3),
    ]
    assert [figures(r) for r in scores.subdistricts] == [
        ("大明湖街道", 1, 0.0, 1, 1.0, 0.0, 0.0, 158.3),
        ("泉城路街道", 3, 0.6667, 2, 0.5, 0.5, 1.0, 78.6),
    ]
    empty = compute_scores(date(2026, 4, 1), date(2026, 4, 30), now=at(2026, 5, 1, 0, 0))
    assert (empty.departments, empty.subdistricts) == ([], [])


def test_scores_page_charts_and_xlsx_export(client, people, month):
    people["supervisor"].groups.add(Group.objects.get(name="区督办"))
    client.force_login(people["supervisor"])
    response = client.get(reverse("cases_scores"), {"start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    content = response.content.decode()
    charts = re.findall(r'<svg[^>]*class="cases-chart".*?</svg>', content, re.S)
    assert len(charts) == 5
    assert all("http" not in chart.replace('xmlns="http://www.w3.org/2000/svg"', "") for chart in charts)
    assert "<script src=" not in content.split("<main", 1)[1]
    assert 'data-rate="0.5"' in content and ">50.0%<" in content
    # A date input only shows ISO dates; the zh-hans format (2026/03/01) would leave it blank.
    assert 'type="date" name="start" value="2026-03-01"' in content
    assert 'class="table-scroll"' in content  # the wide table scrolls inside Wagtail's content area

    response = client.get(reverse("cases_scores"), {"start": "2026-03-01", "end": "2026-03-31", "format": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="scores-20260301-20260331.xlsx"'
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["部门考核", "街道考核"]
    rows = list(book["部门考核"].iter_rows(values_only=True))
    assert rows[0][0] == "统计区间：2026-03-01 至 2026-03-31"
    assert rows[1][:4] == ("名称", "派单数", "按时报到数", "响应率")
    # … then returns, extensions (count, days), yellow and red cards, supervision orders, composite score.
    assert rows[2] == ("历下区排水服务中心", 2, 1, 0.5, 2, 1, 0.5, 2, 1, 0.5, 1, 1, 1, 78.6, 0, 0, 0, 0, 0, 0, 62.5)
    assert list(book["街道考核"].iter_rows(values_only=True))[3][0] == "泉城路街道"


def test_a_dispatcher_scores_only_the_cases_of_their_subdistrict(client, people, month):
    people["dispatcher"].groups.add(Group.objects.get(name="街道调度员"))
    client.force_login(people["dispatcher"])
    response = client.get(reverse("cases_scores"), {"start": "2026-03-01", "end": "2026-03-31"})
    scores = response.context["scores"]
    assert [r.name for r in scores.departments] == ["历下区排水服务中心", "济南水务集团历下供水服务中心"]
    assert [r.name for r in scores.subdistricts] == ["泉城路街道"]


def test_bad_range_falls_back_to_the_last_thirty_days(client, people, month):
    people["supervisor"].groups.add(Group.objects.get(name="区督办"))
    client.force_login(people["supervisor"])
    response = client.get(reverse("cases_scores"), {"start": "2026-03-31", "end": "2026-03-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["开始日期不能晚于结束日期。"]}
    assert (response.context["scores"].start, response.context["scores"].end) == (date(2026, 3, 1), date(2026, 3, 30))


def handling_figures(row) -> tuple:
    return (
        row.name,
        row.returns,
        row.extensions,
        row.extension_days,
        row.yellow_cards,
        row.red_cards,
        row.supervision_orders,
        row.composite_score,
    )


def test_returns_extensions_cards_and_supervision_orders_count_and_deduct(month, people, clock):
    story, gas = month
    neglected = Case.objects.exclude(pk__in=[story.pk, gas.pk]).get()
    lead = neglected.assignments.get()
    # An extension of 3 working days and one without a figure, as the extension workflow records them.
    for payload in ({"working_days": 3}, {}):
        CaseEvent.objects.create(
            case=neglected,
            kind=EventKind.EXTENSION_APPROVED,
            at=at(2026, 3, 23, 10, 0),
            assignment=lead,
            payload=payload,
        )
    # The neglected case (due 24 March, never acknowledged) is found by the sweep: yellow, red, 督办单.
    sweep_overdue(at(2026, 3, 30, 9, 0))
    clock.move_to(at(2026, 3, 30, 9, 30))
    # Past the 2-working-day window the return is a request; it counts once the subdistrict approves it.
    request = returns.request_return(lead, actor=people["drain"], reason_code="不属于本单位职责", note="是燃气管道")
    assert compute_scores(date(2026, 3, 1), date(2026, 3, 31), now=at(2026, 3, 30, 9, 0)).departments[0].returns == 0
    returns.approve_return(request, actor=people["dispatcher"])

    scores = compute_scores(date(2026, 3, 1), date(2026, 3, 31), now=at(2026, 3, 30, 9, 0))
    assert [handling_figures(r) for r in scores.departments] == [
        ("历下区排水服务中心", 1, 2, 3, 1, 1, 1, 55.5),
        ("济南水务集团历下供水服务中心", 0, 0, 0, 0, 0, 0, 100.0),
        ("济南港华燃气历下客户服务中心", 0, 0, 0, 0, 0, 0, 20.0),
    ]
    assert [handling_figures(r) for r in scores.subdistricts] == [
        ("大明湖街道", 0, 0, 0, 0, 0, 0, 20.0),
        ("泉城路街道", 1, 2, 3, 1, 1, 1, 59.7),
    ]
    april = compute_scores(date(2026, 4, 1), date(2026, 4, 30), now=at(2026, 5, 1, 0, 0))
    assert (april.departments, april.subdistricts) == ([], [])
