"""Case intake, the resident's lookup and rating, and the department actions over GraphQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import extensions
from cases.models import Case as CaseModel
from cases.models import CaseEvent, ReturnRequest
from cms.models import StaffRole
from tests.cases.factories import staff_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 17, 9, 25, tzinfo=TZ)
TEXT = (
    "芙蓉街16号院是老院子，院里的下水道堵了快一个星期，污水往外漫；这两天水龙头里放出来的也是黄水，"
    "做饭都不敢用，希望管下水和管自来水的单位一起来看看。"
)
ADDRESS = "历下区泉城路街道芙蓉街16号"
PHONE = "13812345678"

CASE_FIELDS = """ticketNumber status statusLabel type channel text address receivedAt
  routing { category { code name } grid { code } community { code } subdistrict { code }
            urgency whistle escalationLevel needsManualDispatch rulesetVersion
            handlers { role kind code name department { code } status ackDue acknowledgedAt } }
  deadlines { ackDue feedbackDue completeDue estimatedCalendar }
  feedback resolution resolvedAt satisfaction timeline { kind label at status }"""

SUBMIT = f"""mutation($input: SubmitCaseInput!) {{
  submitCase(input: $input) {{ created errors {{ field message code }} case {{ {CASE_FIELDS} }} }}
}}"""

LOOKUP = f"""query($t: String!, $p: String!) {{ case(ticketNumber: $t, phone: $p) {{ {CASE_FIELDS} }} }}"""


def action(name: str, extra: str = "") -> str:
    return f"""mutation($t: String!, $d: String!) {{
      {name}(input: {{ticketNumber: $t, department: $d{extra}}}) {{
        errors {{ field message code }} case {{ status feedback resolution routing {{ handlers {{ code status }} }} }}
      }}
    }}"""


def story_input(**overrides):
    values = {
        "type": "COMPLAINT",
        "text": TEXT,
        "address": ADDRESS,
        "channel": "HOTLINE",
        "reporter": {"name": "张秀兰", "phone": PHONE},
        "idempotencyKey": "hotline-0001",
    }
    values.update(overrides)
    return values


@pytest.fixture
def clock():
    with time_machine.travel(RECEIVED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hotline(make_key):
    return make_key(read=True, submit=True, name="12345 热线")[1]


@pytest.fixture
def drain(make_key):
    return make_key(departments=("dept-drain",), name="排水系统")[1]


@pytest.fixture
def water(make_key):
    return make_key(departments=("dept-water",), name="供水系统")[1]


@pytest.fixture
def ticket(gql, reference_data, hotline, clock):
    response = gql(SUBMIT, {"input": story_input()}, key=hotline)
    assert response.errors == [] and response.data["submitCase"]["errors"] == []
    return response.data["submitCase"]["case"]["ticketNumber"]


EXPECTED_CASE = {
    "ticketNumber": "LX20260317000001",
    "status": "DISPATCHED",
    "statusLabel": "已派单",
    "type": "COMPLAINT",
    "channel": "HOTLINE",
    "text": TEXT,
    "address": ADDRESS,
    "receivedAt": "2026-03-17T09:25:00+08:00",
    "routing": {
        "category": {"code": "cat-drain-sewer", "name": "下水道堵塞与污水外溢"},
        "grid": {"code": "grid-furongli-02"},
        "community": {"code": "com-furongli"},
        "subdistrict": {"code": "sd-quanchenglu"},
        "urgency": "NORMAL",
        "whistle": True,
        "escalationLevel": 0,
        "needsManualDispatch": False,
        "rulesetVersion": 1,
        "handlers": [
            {
                "role": "LEAD",
                "kind": "DEPARTMENT",
                "code": "dept-drain",
                "name": "历下区排水服务中心",
                "department": {"code": "dept-drain"},
                "status": "PENDING",
                "ackDue": "2026-03-18T09:25:00+08:00",
                "acknowledgedAt": None,
            },
            {
                "role": "CO",
                "kind": "DEPARTMENT",
                "code": "dept-water",
                "name": "济南水务集团历下供水服务中心",
                "department": {"code": "dept-water"},
                "status": "PENDING",
                "ackDue": "2026-03-18T09:25:00+08:00",
                "acknowledgedAt": None,
            },
        ],
    },
    "deadlines": {
        "ackDue": "2026-03-18T09:25:00+08:00",
        "feedbackDue": "2026-03-18T23:59:59+08:00",
        "completeDue": "2026-03-24T23:59:59+08:00",
        "estimatedCalendar": False,
    },
    "feedback": None,
    "resolution": None,
    "resolvedAt": None,
    "satisfaction": None,
    "timeline": [
        {"kind": "RECEIVED", "label": "受理", "at": "2026-03-17T09:25:00+08:00", "status": "RECEIVED"},
        {"kind": "DISPATCHED", "label": "派单", "at": "2026-03-17T09:25:00+08:00", "status": "DISPATCHED"},
    ],
}


def test_submit_case_returns_ticket_routing_and_deadlines(gql, reference_data, hotline, clock):
    response = gql(SUBMIT, {"input": story_input()}, key=hotline)
    assert response.status == 200 and response.errors == []
    assert response.data["submitCase"] == {"created": True, "errors": [], "case": EXPECTED_CASE}
    stored = CaseModel.objects.get(ticket_number="LX20260317000001")
    assert (stored.reporter_name, stored.reporter_phone) == ("张秀兰", PHONE)


def test_reporter_details_never_come_back(gql, reference_data, hotline, clock, ticket):
    body = json.dumps(gql(LOOKUP, {"t": ticket, "p": PHONE}).body, ensure_ascii=False)
    assert "张秀兰" not in body and PHONE not in body


def test_same_idempotency_key_returns_the_same_case(gql, reference_data, hotline, clock, make_key):
    first = gql(SUBMIT, {"input": story_input()}, key=hotline).data["submitCase"]
    again = gql(SUBMIT, {"input": story_input(text="重复提交的内容不同也一样")}, key=hotline).data["submitCase"]
    assert again["created"] is False
    assert again["case"]["ticketNumber"] == first["case"]["ticketNumber"]
    _, other_partner = make_key(submit=True, name="另一家")
    theirs = gql(SUBMIT, {"input": story_input()}, key=other_partner).data["submitCase"]
    assert theirs["created"] is True
    assert theirs["case"]["ticketNumber"] == "LX20260317000002"
    assert CaseModel.objects.count() == 2


def test_invalid_submission_returns_typed_errors_and_stores_nothing(gql, reference_data, hotline, clock):
    response = gql(
        SUBMIT,
        {
            "input": story_input(
                text="x",
                address=None,
                reporter={"name": "张" * 65, "phone": "call me"},
                idempotencyKey="k" * 101,
            )
        },
        key=hotline,
    )
    assert response.status == 200
    assert response.data["submitCase"] == {
        "created": None,
        "case": None,
        "errors": [{"field": "idempotencyKey", "message": "幂等键不能超过100个字符。", "code": "TOO_LONG"}],
    }
    response = gql(
        SUBMIT,
        {"input": story_input(text="x", address=None, reporter={"name": "张" * 65, "phone": "call me"})},
        key=hotline,
    )
    assert response.data["submitCase"]["errors"] == [
        {"field": "text", "message": "请填写诉求内容。", "code": "REQUIRED"},
        {"field": "address", "message": "请填写地址或在地图上选点。", "code": "REQUIRED"},
        {"field": "reporter.name", "message": "姓名不能超过64字。", "code": "TOO_LONG"},
        {
            "field": "reporter.phone",
            "message": "联系电话格式不正确，请填写手机号或带区号的座机号。",
            "code": "INVALID_PHONE",
        },
    ]
    assert CaseModel.objects.count() == 0


def test_submit_by_point(gql, reference_data, hotline, clock):
    response = gql(
        SUBMIT,
        {"input": story_input(address=None, point={"lat": 36.6574, "lng": 117.013757}, idempotencyKey=None)},
        key=hotline,
    )
    case = response.data["submitCase"]["case"]
    assert case["address"] == ""
    assert case["routing"]["grid"] == {"code": "grid-furongli-01"}


def test_submit_needs_the_scope(gql, reference_data, make_key, clock):
    _, reader = make_key(read=True)
    for key in (reader, None):
        response = gql(SUBMIT, {"input": story_input()}, key=key)
        assert response.data == {"submitCase": None}
        assert response.errors[0]["extensions"] == {"code": "PERMISSION_DENIED", "requiredScope": "submit_cases"}
    assert CaseModel.objects.count() == 0


def test_resident_sees_own_case_and_nothing_else(gql, ticket):
    assert gql(LOOKUP, {"t": ticket, "p": PHONE}).data["case"] == EXPECTED_CASE
    assert gql(LOOKUP, {"t": ticket.lower(), "p": "138 1234 5678"}).data["case"]["ticketNumber"] == ticket
    wrong_phone = gql(LOOKUP, {"t": ticket, "p": "13900000000"})
    unknown = gql(LOOKUP, {"t": "LX20260317999999", "p": PHONE})
    assert wrong_phone.status == unknown.status == 200
    assert wrong_phone.body == unknown.body == {"data": {"case": None}}


def test_case_lookup_is_rate_limited_per_caller(gql, ticket):
    statuses = [gql(LOOKUP, {"t": ticket, "p": f"1390000{i:04d}"}, REMOTE_ADDR="10.9.9.9") for i in range(11)]
    assert [r.data["case"] for r in statuses[:10]] == [None] * 10
    assert statuses[10].error_codes == ["RATE_LIMITED"]
    assert statuses[10].errors[0]["path"] == ["case"]
    # Failures per ticket spare a caller who has not failed there (tests/security/test_tracking.py).


def test_department_workflow_to_resident_rating(gql, ticket, drain, water):
    ack = gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert ack.data["acknowledgeAssignment"]["errors"] == []
    handlers = ack.data["acknowledgeAssignment"]["case"]["routing"]["handlers"]
    assert handlers == [{"code": "dept-drain", "status": "ACKNOWLEDGED"}, {"code": "dept-water", "status": "PENDING"}]
    event = CaseEvent.objects.filter(kind="acknowledged").get()
    assert event.actor_label == "历下区排水服务中心·测试合作方（接口）"

    again = gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert again.data["acknowledgeAssignment"]["errors"][0]["code"] == "ALREADY_ACKNOWLEDGED"

    early = gql(action("resolveCase", ', resolution: "已疏通"'), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert early.data["resolveCase"]["errors"][0]["code"] == "INVALID_TRANSITION"

    assert gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-water"}, key=water).errors == []
    started = gql(action("startCase"), {"t": ticket, "d": "dept-drain"}, key=drain).data["startCase"]
    assert started["case"]["status"] == "IN_PROGRESS"

    co = gql(action("addFeedback", ', text: "水质已取样送检"'), {"t": ticket, "d": "dept-water"}, key=water)
    assert co.data["addFeedback"]["errors"] == []
    assert co.data["addFeedback"]["case"]["feedback"] is None

    fed = gql(
        action("addFeedback", ', text: "已安排疏通车，今天下午到场"'), {"t": ticket, "d": "dept-drain"}, key=drain
    )
    assert fed.data["addFeedback"]["case"]["status"] == "FEEDBACK"
    assert fed.data["addFeedback"]["case"]["feedback"] == "已安排疏通车，今天下午到场"

    done = gql(action("resolveCase", ', resolution: "下水道已疏通"'), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert done.data["resolveCase"]["errors"] == []
    assert done.data["resolveCase"]["case"]["status"] == "RESOLVED"
    assert done.data["resolveCase"]["case"]["resolution"] == "下水道已疏通"

    rate = """mutation($t: String!, $p: String!) { rateCase(input: {ticketNumber: $t, phone: $p,
        satisfaction: SATISFIED, comment: "很快"}) { errors { field code message } case { status satisfaction } } }"""
    wrong = gql(rate, {"t": ticket, "p": "13900000000"}).data["rateCase"]
    assert wrong == {
        "case": None,
        "errors": [{"field": "ticketNumber", "code": "NOT_FOUND", "message": "未找到该工单，请核对工单号和电话。"}],
    }
    rated = gql(rate, {"t": ticket, "p": PHONE}).data["rateCase"]
    assert rated == {"errors": [], "case": {"status": "CALLBACK", "satisfaction": "SATISFIED"}}
    twice = gql(rate, {"t": ticket, "p": PHONE}).data["rateCase"]
    assert twice["errors"][0]["code"] == "INVALID_TRANSITION"

    timeline = gql(LOOKUP, {"t": ticket, "p": PHONE}).data["case"]["timeline"]
    assert [entry["kind"] for entry in timeline][-3:] == ["FEEDBACK", "RESOLVED", "CALLBACK"]


def test_department_key_is_limited_to_its_departments(gql, ticket, drain, water, make_key):
    other = gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-water"}, key=drain)
    assert other.data == {"acknowledgeAssignment": None}
    assert other.errors[0]["extensions"] == {
        "code": "PERMISSION_DENIED",
        "requiredScope": "act_for_department",
        "department": "dept-water",
    }
    _, gas = make_key(departments=("dept-gas",))
    not_assigned = gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-gas"}, key=gas)
    assert not_assigned.data["acknowledgeAssignment"] == {
        "case": None,
        "errors": [{"field": "ticketNumber", "message": "工单不存在或未派给该部门。", "code": "NOT_FOUND"}],
    }
    co_resolve = gql(action("resolveCase", ', resolution: "已处理"'), {"t": ticket, "d": "dept-water"}, key=water)
    assert co_resolve.error_codes == ["PERMISSION_DENIED"]
    assert co_resolve.errors[0]["message"] == "只有主办单位“历下区排水服务中心”的办理人员可以办结。"


def test_return_assignment(gql, ticket, drain):
    empty = gql(action("returnAssignment", ', reason: " "'), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert empty.data["returnAssignment"] == {
        "case": None,
        "errors": [{"field": "reason", "message": "请填写退单理由。", "code": "REQUIRED"}],
    }
    response = gql(
        action("returnAssignment", ', reason: "不属于排水管辖"'), {"t": ticket, "d": "dept-drain"}, key=drain
    )
    assert response.data["returnAssignment"]["errors"] == []
    assert response.data["returnAssignment"]["case"]["status"] == "RETURNED"
    assert response.data["returnAssignment"]["case"]["routing"]["handlers"] == [
        {"code": "dept-water", "status": "PENDING"}
    ]


def test_assigned_case_query(gql, ticket, drain, make_key):
    query = "query($t: String!, $d: String!) { assignedCase(ticketNumber: $t, department: $d) { ticketNumber } }"
    assert gql(query, {"t": ticket, "d": "dept-drain"}, key=drain).data == {"assignedCase": {"ticketNumber": ticket}}
    _, gas = make_key(departments=("dept-gas",))
    assert gql(query, {"t": ticket, "d": "dept-gas"}, key=gas).data == {"assignedCase": None}
    assert gql(query, {"t": ticket, "d": "dept-gas"}, key=drain).error_codes == ["PERMISSION_DENIED"]


def test_case_lookup_runs_a_fixed_number_of_queries(gql, ticket, drain, django_assert_num_queries):
    gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-drain"}, key=drain)
    # find by ticket, then case with category/area joined, assignments+departments, public events
    with django_assert_num_queries(4):
        response = gql(LOOKUP, {"t": ticket, "p": PHONE})
    assert response.data["case"]["ticketNumber"] == ticket


DEADLINES = """query($t: String!, $p: String!) { case(ticketNumber: $t, phone: $p) { status deadlines {
    completeDue originalCompleteDue extendedWorkingDays paused pausedWorkingDays calendarVersion } } }"""


def test_partner_applies_for_an_extension_that_the_dispatcher_approves(gql, ticket, drain, clock):
    assert gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-drain"}, key=drain).errors == []
    too_many = gql(
        action("requestExtension", ", workingDays: 11, reason: $r").replace("$d: String!", "$d: String!, $r: String!"),
        {"t": ticket, "d": "dept-drain", "r": "需开挖院内管道"},
        key=drain,
    ).data["requestExtension"]
    assert too_many["case"] is None and [e["field"] for e in too_many["errors"]] == ["workingDays"]
    ask = action("requestExtension", ', workingDays: 3, reason: "需开挖院内管道"')
    asked = gql(ask, {"t": ticket, "d": "dept-drain"}, key=drain).data["requestExtension"]
    assert asked["errors"] == []
    case = CaseModel.objects.get(ticket_number=ticket)
    before = case.complete_due
    dispatcher = staff_user(StaffRole.SUBDISTRICT_DISPATCHER, "disp", "调度员曹", subdistrict="sd-quanchenglu")
    extensions.approve_extension(case.extension_requests.get(), actor=dispatcher)
    deadlines = gql(DEADLINES, {"t": ticket, "p": PHONE}).data["case"]["deadlines"]
    case.refresh_from_db()
    assert datetime.fromisoformat(deadlines["originalCompleteDue"]) == before
    assert datetime.fromisoformat(deadlines["completeDue"]) == case.complete_due > before
    assert (deadlines["extendedWorkingDays"], deadlines["calendarVersion"]) == (3, case.calendar_version)


def test_partner_pauses_and_resumes_a_case(gql, ticket, drain, clock):
    assert gql(action("acknowledgeAssignment"), {"t": ticket, "d": "dept-drain"}, key=drain).errors == []
    wrong = gql(action("pauseCase", ', reasonCode: "想歇歇"'), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert [e["field"] for e in wrong.data["pauseCase"]["errors"]] == ["reasonCode"]
    paused = gql(action("pauseCase", ', reasonCode: "诉求人电话无法接通"'), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert paused.data["pauseCase"]["errors"] == []
    assert gql(DEADLINES, {"t": ticket, "p": PHONE}).data["case"]["deadlines"]["paused"] is True
    resumed = gql(action("resumeCase", ', note: "已联系上"'), {"t": ticket, "d": "dept-drain"}, key=drain)
    assert resumed.data["resumeCase"]["errors"] == []
    assert gql(DEADLINES, {"t": ticket, "p": PHONE}).data["case"]["deadlines"]["paused"] is False


def test_a_late_return_over_the_api_becomes_a_request(gql, ticket, drain, clock):
    clock.move_to(RECEIVED + timedelta(days=7))  # past the two-working-day window
    response = gql(
        action("returnAssignment", ', reason: "属于物业管理范围", reasonCode: "不属于本单位职责"'),
        {"t": ticket, "d": "dept-drain"},
        key=drain,
    ).data["returnAssignment"]
    assert response["errors"] == [] and response["case"]["status"] == "DISPATCHED"
    request = ReturnRequest.objects.get()
    assert (request.state, request.reason, request.note) == ("pending", "不属于本单位职责", "属于物业管理范围")
