"""退单: within the window (working days across 国庆 2026) at once, after it by the subdistrict's approval."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases import extensions, returns, services
from cases.errors import CasePermissionDenied, CaseValidationError, InvalidTransition
from cases.models import CaseStatus, EventKind, ExtensionRequest, Notification, ReturnRequest
from cms.models import HandlingPolicy

from .conftest import at, story_submission
from .national_day import REASON, lead_of

pytestmark = pytest.mark.django_db


def test_window_counts_working_days_after_dispatch_across_the_holiday(holiday_case):
    # Dispatched Tue 29 Sep; the 2 working days are Wed 30 Sep and Thu 8 Oct (1–7 Oct are off).
    assert returns.return_window_end(lead_of(holiday_case)) == at(2026, 10, 8, 23, 59, 59)
    policy = HandlingPolicy.load()
    policy.return_window_working_days = 4
    policy.save()
    # … and with 4: 9 Oct, then Saturday 10 Oct, a make-up workday.
    assert returns.return_window_end(lead_of(holiday_case)) == at(2026, 10, 10, 23, 59, 59)


def test_return_within_the_window_sends_the_case_back_with_the_next_suggestion(holiday_case, people, holiday_clock):
    lead = lead_of(holiday_case)
    holiday_clock.move_to(at(2026, 10, 8, 20, 0))
    record = returns.request_return(lead, actor=people["drain"], reason_code=REASON, note="院内私有管网，由物业负责。")
    assert (record.state, record.in_window, record.window_ends_at) == ("direct", True, at(2026, 10, 8, 23, 59, 59))
    holiday_case.refresh_from_db()
    lead.refresh_from_db()
    assert holiday_case.status == CaseStatus.RETURNED
    expected = (False, "returned", f"{REASON}：院内私有管网，由物业负责。")
    assert (lead.active, lead.status, lead.return_reason) == expected
    # The rules route the case again without the unit that returned it: the co-handler is next.
    suggestion = holiday_case.redispatch_suggestion
    assert (suggestion["lead"], suggestion["lead_label"], suggestion["co_handlers"], suggestion["excluded"]) == (
        "dept-water",
        "济南水务集团历下供水服务中心",
        [],
        ["dept-drain"],
    )
    event = holiday_case.events.get(kind=EventKind.RETURNED)
    assert (event.payload["in_window"], event.payload["reason_code"], event.payload["suggested_lead"]) == (
        True,
        REASON,
        "dept-water",
    )
    assert not holiday_case.events.filter(kind=EventKind.RETURN_REQUESTED).exists()

    services.redispatch(holiday_case, actor=people["dispatcher"], lead="dept-water")
    holiday_case.refresh_from_db()
    assert (holiday_case.status, holiday_case.redispatch_suggestion) == (CaseStatus.DISPATCHED, {})
    assert lead_of(holiday_case).unit_code == "dept-water"


def test_after_the_window_a_return_is_a_request_the_subdistrict_approves(holiday_case, people, holiday_clock):
    lead = lead_of(holiday_case)
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    record = returns.request_return(lead, actor=people["drain"], reason_code=REASON, note="属于物业管理范围。")
    assert record.state == ReturnRequest.State.PENDING
    holiday_case.refresh_from_db()
    lead.refresh_from_db()
    assert (holiday_case.status, lead.active, lead.status) == (CaseStatus.DISPATCHED, True, "pending")
    messages = set(Notification.objects.filter(kind=EventKind.RETURN_REQUESTED).values_list("message", flat=True))
    assert messages == {
        f"工单{holiday_case.ticket_number}“历下区排水服务中心”超过退单时限申请退单，请审核：{REASON}：属于物业管理范围。"
    }
    with pytest.raises(InvalidTransition) as excinfo:
        returns.request_return(lead, actor=people["drain2"], reason_code=REASON, note="再次申请")
    assert excinfo.value.message == "“历下区排水服务中心”的退单申请正在等待街道（镇）审核，请勿重复提交。"

    holiday_clock.move_to(at(2026, 10, 9, 11, 0))
    returns.approve_return(record, actor=people["dispatcher"], note="同意，改派供水")
    record.refresh_from_db()
    lead.refresh_from_db()
    holiday_case.refresh_from_db()
    assert (record.state, record.decided_at, record.decided_by_id) == (
        "approved",
        at(2026, 10, 9, 11, 0),
        people["dispatcher"].pk,
    )
    assert (lead.active, lead.status, holiday_case.status) == (False, "returned", CaseStatus.RETURNED)
    assert holiday_case.redispatch_suggestion["lead"] == "dept-water"
    kinds = list(holiday_case.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.RETURN_REQUESTED, EventKind.RETURN_APPROVED, EventKind.RETURNED]
    told = Notification.objects.filter(kind=EventKind.RETURN_APPROVED).values_list("recipient__username", "message")
    assert list(told) == [("drain", f"工单{holiday_case.ticket_number}的退单申请已获同意。")]
    with pytest.raises(InvalidTransition) as excinfo:
        returns.refuse_return(record, actor=people["dispatcher"], note="改主意了")
    assert excinfo.value.message == "该退单申请已处理（同意退单），无需再次审核。"


def test_a_refused_return_leaves_the_unit_on_the_case(holiday_case, people, holiday_clock):
    co = holiday_case.assignments.get(unit_code="dept-water")
    holiday_clock.move_to(at(2026, 10, 12, 9, 0))
    record = returns.request_return(co, actor=people["water"], reason_code=REASON, note="水质问题属于二次供水。")
    with pytest.raises(CaseValidationError) as excinfo:
        returns.refuse_return(record, actor=people["dispatcher"], note="")
    assert [(p.field, p.message) for p in excinfo.value.problems] == [("note", "请填写驳回理由。")]
    returns.refuse_return(record, actor=people["dispatcher"], note="黄水属于市政供水管网。")
    record.refresh_from_db()
    co.refresh_from_db()
    assert (record.state, record.decision_note, co.active, co.status) == (
        "refused",
        "黄水属于市政供水管网。",
        True,
        "pending",
    )
    assert holiday_case.events.filter(kind=EventKind.RETURN_REFUSED).get().payload["note"] == "黄水属于市政供水管网。"
    told = Notification.objects.filter(kind=EventKind.RETURN_REFUSED).values_list("recipient__username", "message")
    assert list(told) == [
        ("water", f"工单{holiday_case.ticket_number}的退单申请被驳回，请继续办理：黄水属于市政供水管网。")
    ]


def test_reason_must_be_one_of_the_policy_options(holiday_case, people):
    with pytest.raises(CaseValidationError) as excinfo:
        returns.request_return(lead_of(holiday_case), actor=people["drain"], reason_code="太忙了", note="人手不足")
    problem = excinfo.value.problems[0]
    assert (problem.field, problem.code) == ("reason_code", "invalid_choice")
    assert problem.message.startswith("请选择退单理由：不属于本单位职责、派单地址或区域有误")
    with pytest.raises(CaseValidationError) as excinfo:
        returns.request_return(lead_of(holiday_case), actor=people["drain"], reason_code=REASON, note=" ")
    assert excinfo.value.problems[0].message == "请填写退单说明。"
    assert not ReturnRequest.objects.exists()


def test_who_may_return_and_who_may_decide(holiday_case, people, holiday_clock):
    lead = lead_of(holiday_case)
    with pytest.raises(CasePermissionDenied):
        returns.request_return(lead, actor=people["gas"], reason_code=REASON, note="不是我的")
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    record = returns.request_return(lead, actor=people["drain"], reason_code=REASON, note="属于物业")
    for user in ("drain", "water", "other_dispatcher", "nobody"):
        with pytest.raises(CasePermissionDenied):
            returns.approve_return(record, actor=people[user])
        with pytest.raises(CasePermissionDenied):
            returns.refuse_return(record, actor=people[user], note="不同意")
    record.refresh_from_db()
    assert record.state == "pending"
    returns.approve_return(record, actor=people["supervisor"])
    record.refresh_from_db()
    assert record.state == "approved"


@pytest.fixture
def dispatcher_client(client, people):
    people["dispatcher"].groups.add(Group.objects.get(name="街道调度员"))
    client.force_login(people["dispatcher"])
    return client


def test_redispatch_form_is_prefilled_with_the_suggestion(dispatcher_client, holiday_case, people, holiday_clock):
    holiday_clock.move_to(at(2026, 9, 30, 10, 0))
    returns.request_return(lead_of(holiday_case), actor=people["drain"], reason_code=REASON, note="属于物业")
    response = dispatcher_client.get(reverse("cases_detail", args=[holiday_case.pk]))
    assert [a.name for a in response.context["actions"]] == ["redispatch", "set_priority", "merge"]
    assert response.context["action_form"]["lead"].value() == "dept-water"
    content = response.content.decode()
    assert 'data-suggestion="dept-water"' in content
    assert "规则建议主办单位：济南水务集团历下供水服务中心（已排除退单单位：历下区排水服务中心）" in content


def test_pending_returns_are_listed_for_the_dispatcher_to_decide(
    dispatcher_client, holiday_case, people, holiday_clock
):
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    record = returns.request_return(lead_of(holiday_case), actor=people["drain"], reason_code=REASON, note="属于物业")
    listing = dispatcher_client.get(reverse("cases_index"), {"pending_approval": "on"})
    assert [c.ticket_number for c in listing.context["page"]] == [holiday_case.ticket_number]
    detail = dispatcher_client.get(reverse("cases_detail", args=[holiday_case.pk]))
    assert [(a.name, a.request_id) for a in detail.context["actions"]] == [
        ("approve_return", record.pk),
        ("refuse_return", record.pk),
        ("set_priority", None),
        ("merge", None),
    ]
    response = dispatcher_client.post(
        reverse("cases_action", args=[holiday_case.pk, "refuse_return"]), {"request": record.pk, "note": "职责在排水"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == "refused"
    listing = dispatcher_client.get(reverse("cases_index"), {"pending_approval": "on"})
    assert list(listing.context["page"]) == []


def test_return_report_counts_per_department_by_reason_window_and_decision(
    dispatcher_client, client, holiday_case, people, holiday_clock
):
    # 1. 供水 returns in the window (30 Sep); 2. 排水 after it (9 Oct), refused; 3. a second case, approved.
    holiday_clock.move_to(at(2026, 9, 30, 10, 0))
    returns.request_return(
        holiday_case.assignments.get(unit_code="dept-water"), actor=people["water"], reason_code=REASON, note="二次供水"
    )
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    refused = returns.request_return(
        lead_of(holiday_case), actor=people["drain"], reason_code="派单地址或区域有误", note="地址不在辖区"
    )
    returns.refuse_return(refused, actor=people["dispatcher"], note="地址无误")
    other = services.submit_case(story_submission(idempotency_key="report-2")).case
    holiday_clock.move_to(at(2026, 10, 14, 9, 0))
    approved = returns.request_return(lead_of(other), actor=people["drain"], reason_code=REASON, note="私有管网")
    returns.approve_return(approved, actor=people["dispatcher"])

    report = returns.return_report(at(2026, 9, 1).date(), at(2026, 10, 31).date())
    rows = {
        r.key: (r.name, r.total, r.in_window, r.after_window, r.approved, r.refused, r.pending) for r in report.rows
    }
    assert rows == {
        "dept-drain": ("历下区排水服务中心", 2, 0, 2, 1, 1, 0),
        "dept-water": ("济南水务集团历下供水服务中心", 1, 1, 0, 0, 0, 0),
    }
    assert dict(report.rows[0].by_reason) == {"派单地址或区域有误": 1, REASON: 1}
    assert (report.total.total, report.total.in_window, report.total.approved, report.total.refused) == (3, 1, 1, 1)
    # The date range is by the day the return was filed.
    assert returns.return_report(at(2026, 10, 1).date(), at(2026, 10, 9).date()).total.total == 1

    response = dispatcher_client.get(reverse("cases_returns_report"), {"start": "2026-09-01", "end": "2026-10-31"})
    assert response.status_code == 200
    assert '<tr data-unit="dept-drain">' in response.content.decode()
    csv_response = dispatcher_client.get(
        reverse("cases_returns_report"), {"start": "2026-09-01", "end": "2026-10-31", "format": "csv"}
    )
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    header = "承办单位,退单合计,时限内退单,超时限申请,同意,驳回,待审核"
    assert lines[0].startswith(f"{header},不属于本单位职责,派单地址或区域有误")
    assert lines[1].startswith("历下区排水服务中心,2,0,2,1,1,0,1,1")
    assert lines[-1].startswith("合计,3,1,2,1,1,0,2,1")


def test_return_report_needs_the_scores_permission(client, people):
    people["drain"].groups.add(Group.objects.get(name="部门办理人员"))
    client.force_login(people["drain"])
    for query in ({}, {"format": "csv"}):
        response = client.get(reverse("cases_returns_report"), query)
        assert response.status_code == 302
        assert response.url == reverse("wagtailadmin_home")


def test_an_approved_return_withdraws_the_units_pending_extension(holiday_case, people, holiday_clock):
    lead = lead_of(holiday_case)
    services.acknowledge(lead, actor=people["drain"])
    holiday_clock.move_to(at(2026, 10, 9, 9, 0))
    extension = extensions.request_extension(holiday_case, actor=people["drain"], working_days=2, reason="等物业")
    record = returns.request_return(lead, actor=people["drain"], reason_code=REASON, note="属于物业管理范围。")
    holiday_clock.move_to(at(2026, 10, 9, 11, 0))
    returns.approve_return(record, actor=people["dispatcher"])
    extension.refresh_from_db()
    assert (extension.state, extension.decided_at, extension.decision_note) == (
        ExtensionRequest.State.WITHDRAWN,
        at(2026, 10, 9, 11, 0),
        "承办单位已退单，申请自动撤销。",
    )
    with pytest.raises(InvalidTransition):
        extensions.approve_extension(extension, actor=people["dispatcher"])
