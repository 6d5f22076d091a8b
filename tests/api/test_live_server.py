"""A real HTTP client against Django's live server: what a partner system actually experiences.

The live server needs committed data, so this is a transactional test: pytest-django runs it after
every test that uses the ordinary rolled-back transaction, and it imports the reference district
again if an earlier transactional test flushed it.
"""

from __future__ import annotations

import json

import pytest
import requests

from api.models import PartnerKey
from tests.conftest import ensure_reference

pytestmark = pytest.mark.django_db(transaction=True)

SERVICES = "query($n: Int) { serviceItems(first: $n) { totalCount edges { node { code title department { name } } } } }"


@pytest.fixture
def api(live_server, reference_import_summary):
    ensure_reference()
    return f"{live_server.url}/graphql/"


def post(session: requests.Session, url: str, query: str, variables=None, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return session.post(url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=30)


def test_partner_system_over_http(api):
    url = api
    key = PartnerKey(name="热线（联调）", partner="12345 热线", can_read_content=True, can_submit_cases=True)
    raw = key.issue()
    key.save()

    with requests.Session() as http:
        page = post(http, url, SERVICES, {"n": 20})
        assert page.status_code == 200
        assert page.headers["Content-Type"] == "application/json; charset=utf-8"
        assert page.headers["X-RateLimit-Limit"] == "120"
        body = page.json()
        assert body["data"]["serviceItems"]["totalCount"] == 76
        assert len(body["data"]["serviceItems"]["edges"]) == 20
        assert body["data"]["serviceItems"]["edges"][0]["node"] == {
            "code": "svc-dibao-apply",
            "title": "最低生活保障申请",
            "department": {"name": "历下区民政局"},
        }

        get = http.get(url, params={"query": "{ ping }"}, timeout=30)
        assert get.json() == {"data": {"ping": "pong"}}

        submit = post(
            http,
            url,
            """mutation($input: SubmitCaseInput!) { submitCase(input: $input) {
                created errors { field code } case { ticketNumber status routing { grid { code } } } } }""",
            {
                "input": {
                    "type": "COMPLAINT",
                    "channel": "HOTLINE",
                    "text": "芙蓉街16号院的下水道堵了快一个星期，污水往外漫。",
                    "address": "历下区泉城路街道芙蓉街16号",
                    "reporter": {"name": "张秀兰", "phone": "13812345678"},
                    "idempotencyKey": "live-001",
                }
            },
            key=raw,
        )
        assert submit.status_code == 200 and submit.headers["X-RateLimit-Limit"] == "600"
        payload = submit.json()["data"]["submitCase"]
        assert payload["errors"] == [] and payload["created"] is True
        assert payload["case"]["routing"]["grid"] == {"code": "grid-furongli-02"}

        lookup = post(
            http,
            url,
            "query($t: String!, $p: String!) { case(ticketNumber: $t, phone: $p) { ticketNumber status } }",
            {"t": payload["case"]["ticketNumber"], "p": "13812345678"},
        )
        assert lookup.json()["data"]["case"] == {
            "ticketNumber": payload["case"]["ticketNumber"],
            "status": payload["case"]["status"],
        }

        refused = post(http, url, "{ ping }", key="nope.nope")
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_API_KEY"

        batch = http.post(url, json=[{"query": "{ ping }"}, {"query": "{ __typename }"}], timeout=30)
        assert batch.json() == [{"data": {"ping": "pong"}}, {"data": {"__typename": "Query"}}]

        huge = http.post(
            url,
            data=json.dumps({"query": "{ ping }", "x": "a" * 70_000}),
            timeout=30,
            headers={"Content-Type": "application/json"},
        )
        assert huge.status_code == 413
        assert huge.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"

        garbage = http.post(url, data=b"\x00\x01", headers={"Content-Type": "application/json"}, timeout=30)
        assert garbage.status_code == 400

    key.refresh_from_db()
    assert key.last_used_ip == "127.0.0.1"
