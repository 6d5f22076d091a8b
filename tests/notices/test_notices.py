"""Notices by area: who sees which notice, SMS subscriptions and sending, the Atom feed, the pages."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from cms.models import Grid
from notices import sms
from notices.models import NoticeMessage, NoticeSubscription
from notices.services import NoticeError, current_notices, deliver_messages, notices_for_address, subscribe, unsubscribe

from .factories import TZ, publish_notice

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 17, 9, 0, tzinfo=TZ)
HOME = "历下区泉城路街道芙蓉街16号"  # grid-furongli-02, community com-furongli
ELSEWHERE = "历下区泉城路街道西更道1号"  # grid-fuxi-01
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def setup(reference_data):
    cache.clear()
    sms.outbox.clear()
    with time_machine.travel(NOW, tick=False), override_settings(NOTICES_SMS_BACKEND="notices.sms.memory_backend"):
        yield
    sms.outbox.clear()


def titles(notices) -> list[str]:
    return [n.title for n in notices]


def test_an_address_sees_its_grid_and_community_notices_only(django_capture_on_commit_callbacks):
    publish_notice("芙蓉街停水", grids=("grid-furongli-02",))
    later = NOW + timedelta(days=2)
    publish_notice("芙蓉里社区停暖检修", kind="heating", communities=("com-furongli",), starts_at=later)
    publish_notice("府西施工", kind="construction", grids=("grid-fuxi-01",))
    publish_notice("已经结束的停水", grids=("grid-furongli-02",), starts_at=NOW - timedelta(days=3))
    publish_notice("草稿", grids=("grid-furongli-02",), live=False)
    found = notices_for_address(HOME)
    assert found.grid.code == "grid-furongli-02"
    assert titles(found.notices) == ["芙蓉里社区停暖检修", "芙蓉街停水"]
    assert titles(notices_for_address(ELSEWHERE).notices) == ["府西施工"]
    assert notices_for_address("火星路1号") is None


def test_resident_page_lists_notices_with_feed_and_subscription(client):
    publish_notice("芙蓉街停水", grids=("grid-furongli-02",), summary="3月18日8:00至18:00停水")
    html = client.get("/notices/", {"address": HOME}).content.decode()
    assert "芙蓉里社区 · 芙蓉里社区第二网格" in html
    assert "芙蓉街停水" in html and "停水" in html
    assert 'href="/notices/grid/grid-furongli-02/atom.xml"' in html
    assert 'action="/notices/subscribe/"' in html
    empty = client.get("/notices/", {"address": ELSEWHERE}).content.decode()
    assert "目前没有发给府西社区第一网格的通知。" in empty
    grid_page = client.get("/grid/", {"address": HOME}).content.decode()
    assert "本网格通知" in grid_page and "芙蓉街停水" in grid_page


def test_notice_page_renders(client):
    notice = publish_notice("芙蓉街停水", grids=("grid-furongli-02",), communities=("com-fuxi",))
    html = client.get(notice.url).content.decode()
    assert '<h1><span class="tag">停水</span> 芙蓉街停水</h1>' in html
    assert "府西社区；芙蓉里社区第二网格" in html


def test_subscribe_and_unsubscribe_by_phone(client):
    response = client.post("/notices/subscribe/", {"address": HOME, "phone": "138 1234 5678", "action": "subscribe"})
    assert "订阅成功" in response.content.decode()
    subscription = NoticeSubscription.objects.get()
    assert (subscription.phone, subscription.grid.code, subscription.active) == (PHONE, "grid-furongli-02", True)
    client.post("/notices/subscribe/", {"address": HOME, "phone": PHONE, "action": "subscribe"})
    assert NoticeSubscription.objects.count() == 1
    response = client.post("/notices/subscribe/", {"address": HOME, "phone": PHONE, "action": "unsubscribe"})
    assert "已退订" in response.content.decode()
    assert NoticeSubscription.objects.get().active is False
    assert subscribe(PHONE, HOME).active is True


@pytest.mark.parametrize(
    ("phone", "address", "field", "message"),
    [
        ("12345", HOME, "phone", "请填写11位手机号码。"),
        (PHONE, "火星路1号", "address", "地址库中没有这个地址，请写到门牌号，或从候选地址中选择。"),
    ],
)
def test_bad_subscription_input_gets_a_chinese_error(client, phone, address, field, message):
    with pytest.raises(NoticeError) as raised:
        subscribe(phone, address)
    assert (raised.value.field, raised.value.message) == (field, message)
    response = client.post("/notices/subscribe/", {"address": address, "phone": phone, "action": "subscribe"})
    assert response.status_code == 400 and message in response.content.decode()
    assert NoticeSubscription.objects.count() == 0


def test_publishing_sends_one_sms_per_subscriber_once(django_capture_on_commit_callbacks):
    subscribe(PHONE, HOME)
    subscribe("13900000001", "历下区泉城路街道芙蓉街2号")  # grid-furongli-01, same community
    subscribe("13900000002", ELSEWHERE)
    cancelled = subscribe("13900000003", HOME)
    unsubscribe(cancelled.phone, HOME)
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish_notice("芙蓉里社区停暖检修", kind="heating", communities=("com-furongli",), summary="明日停暖")
    assert NoticeMessage.objects.filter(notice=notice).count() == 2
    sent = deliver_messages(notice.pk)
    assert sent == 2
    assert sorted(sms.outbox) == [("13812345678", "【停暖】明日停暖"), ("13900000001", "【停暖】明日停暖")]
    with django_capture_on_commit_callbacks(execute=True):
        notice.save_revision().publish()
    assert deliver_messages(notice.pk) == 0 and len(sms.outbox) == 2


def broken_backend(phone: str, text: str) -> None:
    raise sms.SmsError("网关超时")


def test_a_failing_gateway_is_recorded_and_the_sweep_sends_the_rest():
    subscribe(PHONE, HOME)
    notice = publish_notice("芙蓉街停水", grids=("grid-furongli-02",))
    with override_settings(NOTICES_SMS_BACKEND="tests.notices.test_notices.broken_backend"):
        assert deliver_messages(notice.pk) == 0
    message = NoticeMessage.objects.get()
    assert (message.status, message.error) == ("failed", "SmsError: 网关超时")
    subscribe("13900000009", HOME)
    notice.save_revision().publish()
    call_command("send_notice_sms", stdout=io.StringIO())
    assert sms.outbox == [("13900000009", "【停水】芙蓉街停水，请提前做好准备。")]


def test_atom_feed_per_grid(client):
    publish_notice("芙蓉街停水", grids=("grid-furongli-02",), summary="3月18日停水")
    publish_notice("府西施工", grids=("grid-fuxi-01",))
    response = client.get("/notices/grid/grid-furongli-02/atom.xml")
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.content)
    assert feed.findtext("a:title", namespaces=ns) == "芙蓉里社区·芙蓉里社区第二网格 通知公告"
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == ["【停水】芙蓉街停水"]
    assert entries[0].findtext("a:summary", namespaces=ns) == "3月18日停水"
    assert client.get("/notices/grid/grid-nope/atom.xml").status_code == 404


def test_notice_list_is_a_fixed_number_of_queries(django_assert_num_queries):
    for i in range(4):
        publish_notice(f"停水{i}", grids=("grid-furongli-02",), communities=("com-fuxi",))
    grid = Grid.objects.select_related("community").get(code="grid-furongli-02")
    # the notices, Wagtail's view restrictions (public()), and the two prefetched target lists
    with django_assert_num_queries(4):
        notices = list(current_notices(grid=grid))
        assert [sorted(g.code for g in n.grids.all()) for n in notices] == [["grid-furongli-02"]] * 4


def test_setup_command_is_idempotent(capsys):
    call_command("setup_notices")
    call_command("setup_notices")
    assert capsys.readouterr().out.splitlines()[-1] == "通知公告目录已存在，无变化。"
