"""Repeated reports over GraphQL: ``alreadyReported`` on submitCase and the merged ticket in the lookup."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import services
from cases.models import Case as CaseModel
from cases.permissions import SYSTEM

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 17, 9, 25, tzinfo=TZ)
TEXT = "芙蓉街16号院里的下水道堵了快一个星期，污水往外漫，希望尽快疏通。"
ADDRESS = "历下区泉城路街道芙蓉街16号"

REPORTED = "ticketNumber categoryName status statusLabel receivedAt repeatCount residents"
SUBMIT = f"""mutation($input: SubmitCaseInput!) {{
  submitCase(input: $input) {{
    created errors {{ field code }} case {{ ticketNumber status }}
    alreadyReported {{ {REPORTED} }} alreadyReportedResidents
  }}
}}"""
LOOKUP = f"""query($t: String!, $p: String!) {{
  case(ticketNumber: $t, phone: $p) {{
    ticketNumber status statusLabel repeatCount mergedNotice mergedInto {{ {REPORTED} }} timeline {{ kind label }}
  }}
}}"""


def submission(phone: str, key: str, **overrides):
    values = {
        "type": "COMPLAINT",
        "text": TEXT,
        "address": ADDRESS,
        "channel": "HOTLINE",
        "reporter": {"name": "居民", "phone": phone},
        "idempotencyKey": key,
    }
    values.update(overrides)
    return values


@pytest.fixture
def hotline(make_key, reference_data):
    return make_key(read=True, submit=True, name="12345 热线")[1]


@pytest.fixture
def clock():
    with time_machine.travel(RECEIVED, tick=False) as traveller:
        yield traveller


def test_submit_case_tells_how_many_residents_reported_it(gql, hotline, clock):
    first = gql(SUBMIT, {"input": submission("13812345678", "k1")}, key=hotline).data["submitCase"]
    assert first["alreadyReported"] == [] and first["alreadyReportedResidents"] == 0
    second = gql(SUBMIT, {"input": submission("13900002222", "k2")}, key=hotline).data["submitCase"]
    services.merge_case(
        CaseModel.objects.get(ticket_number=second["case"]["ticketNumber"]),
        into=first["case"]["ticketNumber"],
        actor=SYSTEM,
    )
    third = gql(SUBMIT, {"input": submission("13900003333", "k3")}, key=hotline).data["submitCase"]
    assert third["errors"] == [] and third["created"] is True
    # Only the count: other residents' ticket numbers never leave (docs/adr/0006).
    assert third["alreadyReported"] == []
    assert third["alreadyReportedResidents"] == 2


def test_errors_come_with_an_empty_already_reported(gql, hotline, clock):
    response = gql(SUBMIT, {"input": submission("13812345678", "k1", text="x")}, key=hotline)
    assert response.errors == []
    assert response.data["submitCase"] == {
        "created": None,
        "errors": [{"field": "text", "code": "REQUIRED"}],
        "case": None,
        "alreadyReported": [],
        "alreadyReportedResidents": 0,
    }


def test_lookup_of_a_merged_ticket_shows_the_case_it_follows(gql, hotline, clock):
    first = gql(SUBMIT, {"input": submission("13812345678", "k1")}, key=hotline).data["submitCase"]["case"]
    second = gql(SUBMIT, {"input": submission("13900002222", "k2")}, key=hotline).data["submitCase"]["case"]
    services.merge_case(
        CaseModel.objects.get(ticket_number=second["ticketNumber"]), into=first["ticketNumber"], actor=SYSTEM
    )
    found = gql(LOOKUP, {"t": second["ticketNumber"], "p": "13900002222"}).data["case"]
    assert found["status"] == "MERGED" and found["statusLabel"] == "已合并"
    assert found["mergedNotice"] == f"该问题已有人反映，正在办理中（工单号{first['ticketNumber']}）。"
    assert found["mergedInto"] == {
        "ticketNumber": first["ticketNumber"],
        "categoryName": "下水道堵塞与污水外溢",
        "status": "DISPATCHED",
        "statusLabel": "已派单",
        "receivedAt": "2026-03-17T09:25:00+08:00",
        "repeatCount": 1,
        "residents": 2,
    }
    assert found["timeline"][-1] == {"kind": "MERGED", "label": "合并工单"}
    own = gql(LOOKUP, {"t": first["ticketNumber"], "p": "13812345678"}).data["case"]
    assert (own["repeatCount"], own["mergedInto"], own["mergedNotice"]) == (1, None, None)
    # The existing case's timeline keeps the merge private: it names another resident's ticket.
    assert [e["kind"] for e in own["timeline"]] == ["RECEIVED", "DISPATCHED"]
