"""Notices: one interface, in-app / e-mail / SMS backends, nothing sent twice, Aliyun's request format."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlparse

import pytest
from django.core import mail

from notify.backends import backend_for
from notify.backends.sms import sign
from notify.models import Notice, NoticeStatus
from notify.services import Message, deliver, inbox, mark_read, send, unread_count
from tests.cases.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_in_app_notice_is_stored_once_per_key_and_counted_unread():
    user = UserFactory(username="reader")
    first = send(Message("工单LX1已派给您"), key="k-1", recipient=user)
    again = send(Message("工单LX1已派给您"), key="k-1", recipient=user)
    send(Message("工单LX2已派给您"), key="k-2", recipient=user)
    assert again.pk == first.pk
    assert first.status == NoticeStatus.SENT
    assert unread_count(user) == 2
    assert mark_read(user, [first.pk]) == 1
    assert unread_count(user) == 1
    assert mark_read(user) == 1
    assert unread_count(user) == 0
    assert list(inbox(UserFactory(username="other"))) == []


def test_email_is_sent_by_the_task_once_even_when_the_task_runs_twice():
    notice = send(
        Message("您有新的工单", subject="[LX1] 新工单"), key="mail-1", channel="email", address="a@example.org"
    )
    assert mail.outbox == []  # not in the request: the worker sends it
    assert deliver(notice.pk) == NoticeStatus.SENT
    assert deliver(notice.pk) == NoticeStatus.SENT
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert mail.outbox[0].subject == "[LX1] 新工单"


def test_sms_needs_an_address_and_in_app_a_recipient():
    with pytest.raises(ValueError, match="短信需要接收地址"):
        send(Message("x"), key="bad-1", channel="sms")
    with pytest.raises(ValueError, match="站内消息需要接收账号"):
        send(Message("x"), key="bad-2")


def test_aliyun_signature_matches_the_providers_documented_example():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sign(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class FakeAliyun(BaseHTTPRequestHandler):
    """Answers like dysmsapi.aliyuncs.com; ``reply`` decides the answer, ``seen`` keeps every query."""

    seen: list[dict[str, str]] = []
    reply: dict[str, str] = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r-1"}

    def do_GET(self):
        type(self).seen.append(dict(parse_qsl(urlparse(self.path).query)))
        body = json.dumps(type(self).reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def aliyun(settings):
    FakeAliyun.seen = []
    FakeAliyun.reply = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r-1"}
    server = HTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "test-key-id"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "test-secret"
    settings.ALIYUN_SMS_SIGN_NAME = "历下区12345"
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    settings.NOTIFY_SMS_TEMPLATES = {"case_received": "SMS_100001"}
    settings.NOTIFY_BACKENDS = {"sms": "notify.backends.sms.AliyunSmsBackend"}
    backend_for.cache_clear()
    yield FakeAliyun
    server.shutdown()
    backend_for.cache_clear()


def test_sms_goes_to_aliyun_signed_with_the_template_and_only_once(aliyun):
    notice = send(
        Message("您的诉求已受理，工单号LX1。", kind="case_received", params={"ticket": "LX1"}),
        key="sms-1",
        channel="sms",
        address="13812345678",
    )
    assert deliver(notice.pk) == NoticeStatus.SENT
    assert deliver(notice.pk) == NoticeStatus.SENT  # a retried task
    assert len(aliyun.seen) == 1
    query = aliyun.seen[0]
    assert (query["Action"], query["PhoneNumbers"], query["TemplateCode"]) == ("SendSms", "13812345678", "SMS_100001")
    assert json.loads(query["TemplateParam"]) == {"ticket": "LX1"}
    assert (query["SignName"], query["OutId"], query["AccessKeyId"]) == ("历下区12345", "sms-1", "test-key-id")
    signature = query.pop("Signature")
    assert sign(query, "test-secret") == signature
    notice.refresh_from_db()
    assert notice.provider_id == "900619746936498440^0"


def test_a_refused_sms_is_recorded_and_left_for_a_retry(aliyun):
    aliyun.reply = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
    notice = send(Message("x", kind="case_received"), key="sms-2", channel="sms", address="13812345678")
    assert deliver(notice.pk) == NoticeStatus.QUEUED
    notice.refresh_from_db()
    assert notice.attempts == 1
    assert "isv.BUSINESS_LIMIT_CONTROL" in notice.error

    aliyun.reply = {"Code": "OK", "BizId": "b-2"}
    assert deliver(notice.pk) == NoticeStatus.SENT
    assert Notice.objects.get(pk=notice.pk).attempts == 2


def test_an_sms_kind_without_a_template_code_is_not_sent(aliyun):
    notice = send(Message("x", kind="case_resolved"), key="sms-3", channel="sms", address="13812345678")
    deliver(notice.pk)
    notice.refresh_from_db()
    assert aliyun.seen == []
    assert "NOTIFY_SMS_TEMPLATES" in notice.error
