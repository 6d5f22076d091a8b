"""Open311 GeoReport v2 through Django's test client: discovery, services, intake, reads, errors, privacy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from api.models import PartnerKey
from cases.models import Case, CaseEvent, CaseStatus, EventKind
from cms.models import RequestCategory
from open311.models import Open311Request

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 17, 9, 25, tzinfo=TZ)
ADDRESS = "历下区泉城路街道芙蓉街16号"
PHONE = "13812345678"
BASE = "/open311/v2"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def new_key(*, submit: bool, name: str = "市民App") -> str:
    key = PartnerKey(name=name, partner="测试合作方", can_read_content=True, can_submit_cases=submit)
    raw = key.issue()
    key.save()
    return raw


@pytest.fixture
def app_key(reference_data):
    return new_key(submit=True)


def post(client, key: str | None, fmt: str = "json", **fields):
    data = {"service_code": "cat-city-garbage", "address_string": ADDRESS, **fields}
    if key:
        data["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data)


def body(response):
    return json.loads(response.content)


def test_discovery_names_the_endpoint_and_formats(client, reference_data):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    endpoint = body(response)["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["application/json", "text/xml"]


def test_services_are_the_leaf_categories(client, reference_data):
    services = body(client.get(f"{BASE}/services.json"))
    leaves = RequestCategory.objects.leaves()
    assert len(services) == leaves.count() == 51
    garbage = next(s for s in services if s["service_code"] == "cat-city-garbage")
    assert garbage["service_name"] == "垃圾清运与环境卫生"
    assert garbage["group"] == "城市管理"
    assert garbage["metadata"] is True and garbage["type"] == "realtime"
    assert "垃圾清运" in garbage["keywords"].split(",")


def test_service_definition_offers_the_request_type(client, reference_data):
    definition = body(client.get(f"{BASE}/services/cat-city-garbage.json"))
    attribute = definition["attributes"][0]
    assert attribute["code"] == "request_type" and attribute["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attribute["values"]] == ["咨询", "建议", "求助", "举报", "投诉"]
    missing = client.get(f"{BASE}/services/cat-nope.json")
    assert missing.status_code == 404
    assert body(missing) == [{"code": 404, "description": "没有服务编码为“cat-nope”的服务；可用的编码见 services。"}]


def test_post_creates_a_routed_case_and_answers_the_ticket(client, app_key, clock):
    response = post(
        client,
        app_key,
        description="小区门口垃圾桶满了三天没人清",
        media_url="https://img.example.org/a.jpg",
        first_name="秀兰",
        last_name="张",
        phone=PHONE,
        **{"attribute[request_type]": "求助"},
    )
    assert response.status_code == 201
    [answer] = body(response)
    case = Case.objects.get()
    assert answer["service_request_id"] == case.ticket_number == "LX20260317000001"
    assert "token" not in answer
    assert case.channel == "app" and case.request_type == "求助"
    assert case.text == "垃圾清运与环境卫生：小区门口垃圾桶满了三天没人清"
    assert (case.reporter_name, case.reporter_phone) == ("张秀兰", PHONE)
    assert case.category.code == "cat-city-garbage" and case.status == CaseStatus.DISPATCHED
    record = Open311Request.objects.get()
    assert (record.case, record.service_code, record.media_url) == (
        case,
        "cat-city-garbage",
        "https://img.example.org/a.jpg",
    )
    assert answer["service_notice"].startswith("已受理并派单，工单号 LX20260317000001。办结时限 2026-03-")


def test_post_by_point_finds_the_grid(client, app_key, clock):
    response = post(client, app_key, address_string="", lat="36.6574", long="117.013757", description="垃圾堆积")
    assert response.status_code == 201
    assert Case.objects.get().grid.code == "grid-furongli-01"


def test_unrouted_case_answers_a_token_until_dispatch(client, app_key, clock):
    response = post(client, app_key, address_string="某个不存在的地方", description="这里有点事")
    [answer] = body(response)
    case = Case.objects.get()
    assert case.status in (CaseStatus.RECEIVED, CaseStatus.PENDING_DISPATCH)
    assert set(answer) == {"token", "service_notice", "account_id"}
    token = answer["token"]
    assert body(client.get(f"{BASE}/tokens/{token}.json")) == [{"token": token, "service_request_id": None}]
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.DISPATCHED)
    assert body(client.get(f"{BASE}/tokens/{token}.json")) == [
        {"token": token, "service_request_id": case.ticket_number}
    ]
    assert client.get(f"{BASE}/tokens/deadbeef.json").status_code == 404


def test_post_needs_a_key_with_the_submit_scope(client, reference_data, clock):
    reader = new_key(submit=False, name="只读")
    for key, description in [
        (None, "提交诉求需要具有“提交诉求”权限的合作方密钥（api_key）。"),
        (reader, "提交诉求需要具有“提交诉求”权限的合作方密钥（api_key）。"),
        ("abc.def", "api_key 无效或已吊销。"),
    ]:
        response = post(client, key, description="垃圾没人清")
        assert response.status_code == 403
        assert body(response) == [{"code": 403, "description": description}]
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        ({"service_code": "cat-nope"}, "没有服务编码为“cat-nope”的服务；可用的编码见 services。"),
        ({"address_string": ""}, "请提供位置：lat 和 long，或 address_string。"),
        ({"address_string": "", "lat": "36.6", "long": "东经"}, "lat 和 long 须同时提供，且为 WGS-84 十进制度数。"),
        ({"address_string": "", "lat": "96", "long": "117"}, "lat 应在 ±90 以内，long 应在 ±180 以内。"),
        ({"media_url": "file:///etc/passwd"}, "media_url 应为 http 或 https 链接。"),
        ({"attribute[request_type]": "表扬"}, "attribute[request_type] 只能是咨询、建议、求助、举报、投诉之一。"),
        ({"phone": "call me"}, "联系电话格式不正确，请填写手机号或带区号的座机号。"),
        ({"jurisdiction_id": "beijing"}, "未知的 jurisdiction_id“beijing”；本接口只服务 jinan-lixia。"),
    ],
)
def test_bad_input_gets_a_chinese_error_in_the_spec_shape(client, app_key, clock, fields, description):
    response = post(client, app_key, **fields)
    assert response.status_code in (400, 404)
    assert body(response) == [{"code": response.status_code, "description": description}]
    assert Case.objects.count() == 0


def test_jurisdiction_id_is_accepted(client, app_key, clock):
    assert post(client, app_key, jurisdiction_id="jinan-lixia", description="垃圾没人清").status_code == 201
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "jinan-lixia"}).status_code == 200


def test_idempotency_key_header_returns_the_same_case(client, app_key, clock):
    data = {"service_code": "cat-city-garbage", "address_string": ADDRESS, "api_key": app_key}
    first = body(client.post(f"{BASE}/requests.json", data, headers={"Idempotency-Key": "k1"}))
    again = body(client.post(f"{BASE}/requests.json", data, headers={"Idempotency-Key": "k1"}))
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert Case.objects.count() == 1


@pytest.fixture
def submitted(client, app_key, clock):
    response = post(client, app_key, description="垃圾桶满了没人清", first_name="秀兰", last_name="张", phone=PHONE)
    return body(response)[0]["service_request_id"]


def test_public_answer_has_no_personal_data(client, submitted):
    [request] = body(client.get(f"{BASE}/requests/{submitted}.json"))
    text = json.dumps(request, ensure_ascii=False)
    for secret in ("张秀兰", "秀兰", PHONE, "垃圾桶满了没人清", "16号"):
        assert secret not in text
    assert request["address"] == "历下区泉城路街道芙蓉街**号"
    assert request["description"] is None and request["media_url"] is None
    case = Case.objects.get()
    assert request == {
        "service_request_id": submitted,
        "status": "open",
        "status_notes": "已转交承办单位办理。",
        "service_name": "垃圾清运与环境卫生",
        "service_code": "cat-city-garbage",
        "description": None,
        "agency_responsible": case.assignments.get(role="lead").unit_label,
        "service_notice": None,
        "requested_datetime": "2026-03-17T09:25:00+08:00",
        "updated_datetime": "2026-03-17T09:25:00+08:00",
        "expected_datetime": case.complete_due.astimezone(TZ).isoformat(),
        "address": "历下区泉城路街道芙蓉街**号",
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    assert request["agency_responsible"] == "历下区城市管理局"


def test_the_submitting_partner_sees_its_own_words(client, app_key, submitted):
    [mine] = body(client.get(f"{BASE}/requests/{submitted}.json", {"api_key": app_key}))
    assert mine["description"] == "垃圾清运与环境卫生：垃圾桶满了没人清"
    assert mine["address"] == ADDRESS
    other = new_key(submit=True, name="另一家")
    [theirs] = body(client.get(f"{BASE}/requests/{submitted}.json", headers={"Authorization": f"Bearer {other}"}))
    assert theirs["description"] is None


def test_staff_texts_reach_only_the_owner(client, app_key, submitted):
    case = Case.objects.get()
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.RESOLVED,
        at=NOW + timedelta(hours=2),
        payload={"resolution": "已联系张秀兰女士，垃圾已清运"},
        public=True,
    )
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RESOLVED)
    [public] = body(client.get(f"{BASE}/requests/{submitted}.json"))
    assert (public["status"], public["status_notes"]) == ("closed", "承办单位已办结。")
    [mine] = body(client.get(f"{BASE}/requests/{submitted}.json", {"api_key": app_key}))
    assert mine["status_notes"] == "已联系张秀兰女士，垃圾已清运"


def test_get_requests_filters(client, app_key, clock):
    garbage = [body(post(client, app_key, description=f"垃圾没人清{i}"))[0]["service_request_id"] for i in range(2)]
    clock.shift(timedelta(days=1))
    post(client, app_key, service_code="cat-city-greening", description="树枝挡路")
    drain = Case.objects.latest("id").ticket_number  # routed or waiting, the list shows it either way
    Case.objects.filter(ticket_number=garbage[0]).update(status=CaseStatus.CLOSED)

    def ids(**params):
        return sorted(r["service_request_id"] for r in body(client.get(f"{BASE}/requests.json", params)))

    everything = sorted([*garbage, drain])
    assert ids() == everything
    assert ids(service_code="cat-city-garbage") == sorted(garbage)
    assert ids(status="closed") == [garbage[0]]
    assert ids(status="open") == sorted([garbage[1], drain])
    assert ids(status="open,closed") == everything
    assert ids(start_date="2026-03-18T00:00:00+08:00") == [drain]
    assert ids(end_date="2026-03-17T23:59:59+08:00") == sorted(garbage)
    assert ids(start_date="2026-03-17T01:25:00Z", end_date="2026-03-17T01:25:00Z") == sorted(garbage)
    assert ids(service_request_id=f"{drain},{garbage[0].lower()}", status="open") == sorted([drain, garbage[0]])
    assert ids(start_date="2025-01-01T00:00:00+08:00") == []


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"status": "pending"}, "status 只能是 open 或 closed（可用逗号分隔）。"),
        ({"start_date": "yesterday"}, "start_date 格式不正确，请使用 W3C 时间，例如 2026-03-17T09:25:00+08:00。"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
            "start_date 与 end_date 之间不能超过90天。",
        ),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "end_date 不能早于 start_date。"),
        ({"service_code": "<script>"}, "service_code 中有无效的值“<script>”。"),
    ],
)
def test_bad_filters_get_400(client, reference_data, params, description):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    assert body(response) == [{"code": 400, "description": description}]


def test_unknown_request_and_address_are_404(client, reference_data):
    assert body(client.get(f"{BASE}/requests/LX20990101000001.json")) == [
        {"code": 404, "description": "未找到工单“LX20990101000001”。"}
    ]
    assert client.get(f"{BASE}/nothing-here.json").status_code == 404
    wrong_method = client.delete(f"{BASE}/requests.json")
    assert body(wrong_method) == [{"code": 405, "description": "此地址只接受 GET、POST 请求。"}]


def test_xml_answers_use_the_spec_element_names(client, app_key, submitted):
    root = ET.fromstring(client.get(f"{BASE}/requests/{submitted}.xml").content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == submitted
    assert request.findtext("status") == "open"
    services = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert services.tag == "services" and len(services.findall("service")) == 51
    definition = ET.fromstring(client.get(f"{BASE}/services/cat-city-garbage.xml").content)
    values = definition.findall("attributes/attribute/values/value")
    assert [v.findtext("key") for v in values] == ["咨询", "建议", "求助", "举报", "投诉"]
    error = client.post(f"{BASE}/requests.xml", {"service_code": "cat-city-garbage"})
    assert error["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(error.content)
    assert (root.tag, root.findtext("error/code")) == ("errors", "403")
    created = ET.fromstring(post(client, app_key, fmt="xml", description="垃圾没人清").content)
    assert created.findtext("request/service_request_id").startswith("LX20260317")


def test_list_is_three_queries_however_many(client, app_key, clock, django_assert_num_queries):
    for i in range(5):
        post(client, app_key, description=f"垃圾没人清{i}")
    with django_assert_num_queries(3):
        assert len(body(client.get(f"{BASE}/requests.json"))) == 5


def test_anonymous_reads_are_rate_limited(client, reference_data):
    with override_settings(GRAPHQL_ANONYMOUS_RATE_LIMIT="2/m"):
        statuses = [client.get(f"{BASE}/services.json", REMOTE_ADDR="10.1.2.3").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_gcj02_points_are_stored_as_wgs84(client, app_key, clock):
    from cms.geo import wgs84_to_gcj02

    lat, lng = wgs84_to_gcj02(36.6574, 117.013757)
    fields = {"address_string": "", "lat": f"{lat:.7f}", "long": f"{lng:.7f}", "description": "垃圾堆积"}
    assert post(client, app_key, coordinate_system="gcj02", **fields).status_code == 201
    case = Case.objects.get()
    assert (round(case.lat, 6), round(case.lng, 6)) == (36.6574, 117.013757)
    assert case.grid.code == "grid-furongli-01"
    bad = post(client, app_key, coordinate_system="bd09", **fields)
    assert body(bad) == [
        {"code": 400, "description": "coordinate_system 只能是 wgs84 或 gcj02（高德、腾讯地图和微信小程序的坐标）。"}
    ]
