"""The published flow 受理 → 转办 → 办理 → 反馈 → 回访 → 重办 → 办结 over every case's timeline."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from api.cases.types import CaseTimelineEntry
from cases import extensions, services
from cases.models import CaseStatus, EventKind
from cases.stages import STAGE_ORDER, Stage, current_stage, public_timeline, stage_of_event, stage_strip

from .conftest import at
from .national_day import handle

pytestmark = pytest.mark.django_db


def test_published_order_and_labels():
    assert [s.label for s in STAGE_ORDER] == ["受理", "转办", "办理", "反馈", "回访", "重办", "办结"]


@pytest.mark.parametrize(
    ("kind", "stage"),
    [
        (EventKind.RECEIVED, Stage.ACCEPT),
        (EventKind.MANUAL_QUEUE, Stage.ACCEPT),
        (EventKind.DISPATCHED, Stage.TRANSFER),
        (EventKind.REDISPATCHED, Stage.TRANSFER),
        (EventKind.RETURNED, Stage.TRANSFER),
        (EventKind.RETURN_REQUESTED, Stage.TRANSFER),
        (EventKind.RETURN_APPROVED, Stage.TRANSFER),
        (EventKind.RETURN_REFUSED, Stage.TRANSFER),
        (EventKind.ACKNOWLEDGED, Stage.HANDLE),
        (EventKind.STARTED, Stage.HANDLE),
        (EventKind.ASSIGNMENT_FEEDBACK, Stage.HANDLE),
        (EventKind.EXTENSION_REQUESTED, Stage.HANDLE),
        (EventKind.EXTENSION_APPROVED, Stage.HANDLE),
        (EventKind.EXTENSION_REFUSED, Stage.HANDLE),
        (EventKind.PAUSED, Stage.HANDLE),
        (EventKind.RESUMED, Stage.HANDLE),
        (EventKind.FEEDBACK, Stage.FEEDBACK),
        (EventKind.CALLBACK, Stage.CALLBACK),
        (EventKind.REOPENED, Stage.REDO),
        (EventKind.RESOLVED, Stage.DONE),
        (EventKind.CLOSED, Stage.DONE),
        (EventKind.ESCALATED, None),
        (EventKind.FEEDBACK_OVERDUE, None),
        (EventKind.YELLOW_CARD, None),
    ],
)
def test_event_kinds_map_to_stages(kind, stage):
    assert stage_of_event(kind) == stage


def test_every_status_has_a_stage():
    assert {s: current_stage(type("C", (), {"status": s})()).label for s in CaseStatus} == {
        CaseStatus.RECEIVED: "受理",
        CaseStatus.PENDING_DISPATCH: "受理",
        CaseStatus.DISPATCHED: "转办",
        CaseStatus.ACKNOWLEDGED: "办理",
        CaseStatus.IN_PROGRESS: "办理",
        CaseStatus.FEEDBACK: "反馈",
        CaseStatus.RESOLVED: "办结",
        CaseStatus.CALLBACK: "回访",
        CaseStatus.CLOSED: "办结",
        CaseStatus.RETURNED: "转办",
        CaseStatus.REOPENED: "重办",
        CaseStatus.MERGED: "办结",
    }


def test_the_whole_flow_on_the_public_timeline(holiday_case, people, holiday_clock):
    case = holiday_case
    handle(case, people)
    holiday_clock.move_to(at(2026, 10, 8, 10, 0))
    record = extensions.request_extension(case, actor=people["drain"], working_days=2, reason="等待配件")
    extensions.approve_extension(record, actor=people["dispatcher"])
    services.resolve(case, actor=people["drain"], resolution="已疏通")
    services.record_callback(case, actor=people["dispatcher"], satisfaction="unsatisfied", note="仍有异味")
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    services.reopen(case, actor=people["dispatcher"], reason="居民反映仍有异味")
    case.refresh_from_db()
    assert current_stage(case) == Stage.REDO
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="更换了破损管段")
    services.resolve(case, actor=people["drain"], resolution="已更换管段")
    services.record_callback(case, actor=people["dispatcher"], satisfaction="satisfied")
    services.close(case, actor=people["dispatcher"])
    case.refresh_from_db()

    rows = public_timeline(case)
    assert [(r["stage_label"], r["label"], r["text"]) for r in rows] == [
        ("受理", "受理", "您的诉求已受理。"),
        ("转办", "派单", "已转交承办单位办理。"),
        ("办理", "开始办理", "承办单位已开始办理。"),
        ("反馈", "反馈", "已安排人员现场查看"),
        ("办理", "批准延期", "经审核延期2个工作日办结，办结时限调整为2026-10-14。"),
        ("办结", "办结", "已疏通"),
        ("回访", "回访", "回访结果：不满意"),
        ("重办", "重新办理", "回访不满意，已交承办单位重新办理。"),
        ("办理", "开始办理", "承办单位已开始办理。"),
        ("反馈", "反馈", "更换了破损管段"),
        ("办结", "办结", "已更换管段"),
        ("回访", "回访", "回访结果：满意"),
        ("办结", "结案", "工单已办结归档。"),
    ]
    assert rows[0]["at"] == at(2026, 9, 29, 9, 25)
    # Internal events (报到, 申请延期) are not on the resident's timeline, nor names or notes.
    assert all("曹" not in r["text"] and "等待配件" not in r["text"] for r in rows)
    strip = stage_strip(case, case.events.all())
    assert [(s.label, s.reached, s.current) for s in strip] == [
        ("受理", True, False),
        ("转办", True, False),
        ("办理", True, False),
        ("反馈", True, False),
        ("回访", True, False),
        ("重办", True, False),
        ("办结", True, True),
    ]


def test_strip_without_a_reopening_leaves_redo_unreached(holiday_case):
    strip = stage_strip(holiday_case, holiday_case.events.all())
    assert [(s.label, s.reached, s.current) for s in strip] == [
        ("受理", True, False),
        ("转办", True, True),
        ("办理", False, False),
        ("反馈", False, False),
        ("回访", False, False),
        ("重办", False, False),
        ("办结", False, False),
    ]


def test_graphql_timeline_entries_carry_the_stage(holiday_case):
    events = list(holiday_case.events.filter(public=True).order_by("id"))
    assert [CaseTimelineEntry.resolve_stage(e, None) for e in events] == ["accept", "transfer"]


def test_admin_detail_groups_the_timeline_by_stage(client, holiday_case, people):
    people["drain"].groups.add(Group.objects.get(name="部门办理人员"))
    handle(holiday_case, people)
    client.force_login(people["drain"])
    response = client.get(reverse("cases_detail", args=[holiday_case.pk]))
    groups = [(g.stage.label, [e.kind for e in g.events]) for g in response.context["stage_groups"]]
    assert groups == [
        ("受理", ["received"]),
        ("转办", ["dispatched"]),
        ("办理", ["acknowledged", "acknowledged", "started"]),
        ("反馈", ["feedback"]),
    ]
    content = response.content.decode()
    assert '<li data-stage="feedback" aria-current="step"' in content
    assert "阶段：办理" in content and '<tbody data-stage="handle">' in content
