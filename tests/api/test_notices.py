"""Notices for partner apps: the ``notices`` query they poll and the ``notice.published`` webhook."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from api.models import WebhookDelivery, WebhookSubscription
from tests.notices.factories import TZ, publish_notice

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 17, 9, 0, tzinfo=TZ)
QUERY = """query($address: String, $grid: String, $community: String, $since: DateTime, $first: Int) {
  notices(address: $address, grid: $grid, community: $community, since: $since, first: $first) {
    id kind kindLabel title summary startsAt endsAt url grids communities
  }
}"""


@pytest.fixture
def notices(reference_data):
    with time_machine.travel(NOW, tick=False) as clock:
        water = publish_notice("芙蓉街停水", grids=("grid-furongli-02",), summary="3月18日停水")
        clock.shift(timedelta(hours=1))
        heating = publish_notice("芙蓉里停暖", kind="heating", communities=("com-furongli",))
        clock.shift(timedelta(hours=1))
        tomorrow = NOW + timedelta(days=1)
        works = publish_notice("府西施工", kind="construction", grids=("grid-fuxi-01",), starts_at=tomorrow)
        yield {"water": water, "heating": heating, "works": works, "clock": clock}


def titles(response) -> list[str]:
    assert response.errors == []
    return [n["title"] for n in response.data["notices"]]


def test_notices_by_address_grid_community_and_since(gql, notices):
    assert titles(gql(QUERY)) == ["府西施工", "芙蓉里停暖", "芙蓉街停水"]
    assert titles(gql(QUERY, {"address": "历下区泉城路街道芙蓉街16号"})) == ["芙蓉里停暖", "芙蓉街停水"]
    assert titles(gql(QUERY, {"grid": "grid-furongli-01"})) == ["芙蓉里停暖"]
    assert titles(gql(QUERY, {"community": "com-furongli"})) == ["芙蓉里停暖", "芙蓉街停水"]
    assert titles(gql(QUERY, {"since": "2026-03-17T10:30:00+08:00"})) == ["府西施工"]
    assert titles(gql(QUERY, {"first": 1})) == ["府西施工"]
    water = gql(QUERY, {"grid": "grid-furongli-02", "first": 2}).data["notices"][1]
    assert water == {
        "id": str(notices["water"].pk),
        "kind": "WATER",
        "kindLabel": "停水",
        "title": "芙蓉街停水",
        "summary": "3月18日停水",
        "startsAt": "2026-03-18T08:00:00+08:00",
        "endsAt": "2026-03-18T18:00:00+08:00",
        "url": notices["water"].url,
        "grids": ["grid-furongli-02"],
        "communities": [],
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"address": "火星路1号"}, "地址库中没有这个地址，请写到门牌号。"),
        ({"grid": "grid-nope"}, "没有编码为“grid-nope”的网格。"),
        ({"community": "com-nope"}, "没有编码为“com-nope”的社区（村）。"),
        ({"first": 51}, "first 应在 1 到 50 之间。"),
        ({"grid": "grid-fuxi-01", "community": "com-fuxi"}, "address、grid、community 只能给一个。"),
    ],
)
def test_bad_arguments_are_typed_errors(gql, notices, variables, message):
    response = gql(QUERY, variables)
    assert response.error_codes == ["INVALID_ARGUMENT"]
    assert response.errors[0]["message"] == message


def test_publishing_a_notice_emits_the_webhook(reference_data, django_capture_on_commit_callbacks):
    subscription = WebhookSubscription(
        url="https://partner.example.org/hook", events=["notice.published"], name="小程序"
    )
    subscription.issue()
    subscription.save()
    WebhookSubscription(url="https://other.example.org/hook", events=["case.created"], name="热线").save()
    with time_machine.travel(NOW, tick=False):
        notice = publish_notice("芙蓉里停暖", kind="heating", communities=("com-furongli",), summary="明日停暖")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription, delivery.event, delivery.ticket_number) == (subscription, "notice.published", "")
    assert delivery.payload["event"] == "notice.published"
    assert delivery.payload["data"] == {
        "noticeId": str(notice.pk),
        "kind": "heating",
        "title": "芙蓉里停暖",
        "summary": "明日停暖",
        "startsAt": "2026-03-18T08:00:00+08:00",
        "endsAt": "2026-03-18T18:00:00+08:00",
        "publishedAt": "2026-03-17T09:00:00+08:00",
        "grids": [],
        "communities": ["com-furongli"],
    }
