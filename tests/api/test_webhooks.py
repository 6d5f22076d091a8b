"""Webhooks: recorded with the transaction, signed with HMAC-SHA256, retried with back-off."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks import emit
from api.webhooks.delivery import attempt_delivery, backoff_seconds
from api.webhooks.signing import sign, verify
from cms.models import Department

from .webhook_server import WebhookReceiver

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 17, 9, 25, tzinfo=TZ)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
Status = WebhookDelivery.Status
CASE = SimpleNamespace(ticket_number="LX20260317000001", status="dispatched")


@pytest.fixture(autouse=True)
def _local_receiver_allowed(settings):
    """The test receiver listens on 127.0.0.1, an internal host the operator has allowed."""
    settings.WEBHOOK_INTERNAL_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def subscribe(url: str, events=("case.created", "case.dispatched"), departments=(), **fields) -> WebhookSubscription:
    fields.setdefault("name", "热线回调")
    subscription = WebhookSubscription(url=url, events=list(events), **fields)
    subscription.issue()
    subscription.save()
    if departments:
        subscription.departments.set(Department.objects.filter(code__in=departments))
    return subscription


def test_signature_is_hmac_sha256_of_timestamp_and_body():
    body = b'{"event":"case.created"}'
    expected = hmac.new(b"s3cret", b"1773710700." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1773710700", body) == f"sha256={expected}"
    assert verify("s3cret", "1773710700", body, f"sha256={expected}", now=1773710700 + 299)
    assert not verify("s3cret", "1773710700", body, f"sha256={expected}", now=1773710700 + 301)
    assert not verify("s3cret", "1773710700", body + b" ", f"sha256={expected}", now=1773710700)
    assert not verify("other", "1773710700", body, f"sha256={expected}", now=1773710700)
    assert not verify("s3cret", "yesterday", body, f"sha256={expected}")


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_seconds(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@override_settings(TASKS=IMMEDIATE)
def test_emit_delivers_a_signed_payload_after_commit(receiver, django_capture_on_commit_callbacks, clock):
    subscription = subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            ids = emit("case.dispatched", CASE, departments=["dept-drain"], data={"whistle": True})
            assert receiver.received == []  # nothing leaves before the commit
    assert len(callbacks) == 1 and len(ids) == 1
    assert len(receiver.received) == 1
    request = receiver.received[0]
    payload = json.loads(request.body)
    assert payload == {
        "id": payload["id"],
        "event": "case.dispatched",
        "occurredAt": "2026-03-17T09:25:00+08:00",
        "data": {"ticketNumber": "LX20260317000001", "status": "dispatched", "whistle": True},
    }
    assert request.headers["X-Governance-Event"] == "case.dispatched"
    assert request.headers["X-Governance-Delivery"] == payload["id"]
    assert request.headers["X-Governance-Timestamp"] == str(int(NOW.timestamp()))
    assert verify(
        subscription.secret,
        request.headers["X-Governance-Timestamp"],
        request.body,
        request.headers["X-Governance-Signature"],
        now=NOW.timestamp(),
    )
    delivery = WebhookDelivery.objects.get(pk=ids[0])
    assert (delivery.status, delivery.attempts, delivery.response_status) == (Status.SUCCEEDED, 1, 200)
    assert delivery.response_body == "HTTP 200 OK"
    assert delivery.delivered_at == NOW and delivery.ticket_number == "LX20260317000001"


@override_settings(TASKS=IMMEDIATE)
def test_rolled_back_transaction_sends_nothing(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                emit("case.created", CASE)
                raise RuntimeError("case intake failed")
        except RuntimeError:
            pass
    assert callbacks == [] and receiver.received == []
    assert WebhookDelivery.objects.count() == 0


def test_subscriptions_are_matched_by_event_department_and_state(reference_data, make_key):
    all_cases = subscribe("https://a.example/", name="全部")
    drain_only = subscribe("https://b.example/", name="排水", departments=("dept-drain",))
    subscribe("https://c.example/", name="只要办结", events=("case.resolved",))
    subscribe("https://d.example/", name="停用", active=False)
    key, _ = make_key(read=True)
    subscribe("https://e.example/", name="已吊销", partner_key=key)
    key.revoke()
    water = WebhookDelivery.objects.filter(pk__in=emit("case.created", CASE, departments=["dept-water"]))
    assert sorted(d.subscription.name for d in water) == ["全部"]
    drain = WebhookDelivery.objects.filter(pk__in=emit("case.created", CASE, departments=["dept-drain"]))
    assert sorted(d.subscription_id for d in drain) == sorted([all_cases.pk, drain_only.pk])
    assert len({d.event_id for d in drain}) == 1  # one event, one id, however many subscribers
    with pytest.raises(ValueError):
        emit("case.deleted", CASE)


def test_failures_are_retried_with_back_off_then_given_up(receiver, clock):
    receiver.statuses = [500, 503, 500, 500, 500, 500]
    subscription = subscribe(receiver.url)
    [delivery_id] = emit("case.created", CASE)
    assert attempt_delivery(delivery_id) == Status.RETRYING
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.attempts == 1 and delivery.response_status == 500
    assert delivery.last_error == "接收方返回 HTTP 500"
    assert delivery.next_attempt_at == NOW + timedelta(seconds=30)
    retry = DBTaskResult.objects.get(task_path="api.webhooks.tasks.deliver_webhook")
    assert retry.run_after == NOW + timedelta(seconds=30)
    assert retry.args_kwargs == {"args": [delivery_id], "kwargs": {}}

    assert attempt_delivery(delivery_id) == Status.RETRYING
    assert WebhookDelivery.objects.get(pk=delivery_id).next_attempt_at == NOW + timedelta(seconds=60)
    for _ in range(3):
        assert attempt_delivery(delivery_id) == Status.RETRYING
    assert attempt_delivery(delivery_id) == Status.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (Status.FAILED, 6, None)
    assert attempt_delivery(delivery_id) == "skipped"
    assert len(receiver.received) == 6
    assert subscription.deliveries.count() == 1


def test_unreachable_receiver_is_retried(clock):
    subscribe("http://127.0.0.1:9/unreachable")
    [delivery_id] = emit("case.created", CASE)
    assert attempt_delivery(delivery_id) == Status.RETRYING
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.response_status is None
    assert delivery.last_error.startswith("ConnectionError")


def test_deactivated_subscription_is_not_delivered(receiver):
    subscription = subscribe(receiver.url)
    [delivery_id] = emit("case.created", CASE)
    subscription.active = False
    subscription.save()
    assert attempt_delivery(delivery_id) == Status.FAILED
    assert receiver.received == []


def test_sweep_command_delivers_what_is_due(receiver, clock):
    subscribe(receiver.url)
    [delivery_id] = emit("case.created", CASE)
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=Status.RETRYING, next_attempt_at=NOW)
    out = io.StringIO()
    call_command("deliver_webhooks", "--now", stdout=out)
    assert out.getvalue().splitlines() == [
        f"推送记录 {delivery_id}: succeeded",
        "中断重置 0 条；处理到期 1 条（succeeded 1）。",
    ]
    assert WebhookDelivery.objects.get(pk=delivery_id).status == Status.SUCCEEDED
    assert len(receiver.received) == 1


def test_case_lifecycle_events_become_webhooks(gql, reference_data, make_key, clock):
    from api.models import WebhookDelivery

    subscribe(
        "https://hotline.example/hooks",
        events=("case.created", "case.dispatched", "case.acknowledged"),
        name="热线",
    )
    subscribe("https://gas.example/hooks", events=("case.dispatched",), departments=("dept-gas",), name="燃气")
    _, hotline = make_key(submit=True)
    _, drain = make_key(departments=("dept-drain",), name="排水")
    submit = """mutation { submitCase(input: {type: COMPLAINT, channel: HOTLINE,
        text: "芙蓉街16号院的下水道堵了快一个星期，污水往外漫；水龙头里放出来的也是黄水。",
        address: "历下区泉城路街道芙蓉街16号", reporter: {name: "张秀兰", phone: "13812345678"}}) {
        case { ticketNumber } } }"""
    ticket = gql(submit, key=hotline).data["submitCase"]["case"]["ticketNumber"]
    gql(
        f'mutation {{ acknowledgeAssignment(input: {{ticketNumber: "{ticket}", department: "dept-drain"}}) '
        "{ errors { code } } }",
        key=drain,
    )
    rows = list(WebhookDelivery.objects.order_by("pk").values_list("subscription__name", "event", "payload"))
    assert [(name, event) for name, event, _ in rows] == [
        ("热线", "case.created"),
        ("热线", "case.dispatched"),
        ("热线", "case.acknowledged"),
    ]
    assert rows[1][2]["data"] == {
        "ticketNumber": ticket,
        "status": "dispatched",
        "departments": ["dept-drain", "dept-water"],
    }
    assert rows[2][2]["data"]["acknowledgedBy"] == "dept-drain"
    body = json.dumps([payload for *_, payload in rows], ensure_ascii=False)
    assert "张秀兰" not in body and "13812345678" not in body and "下水道" not in body


def test_a_failing_webhook_never_costs_a_case(gql, reference_data, make_key, clock, monkeypatch, caplog):
    import api.webhooks

    def broken(*args, **kwargs):
        raise RuntimeError("webhook store down")

    monkeypatch.setattr(api.webhooks, "emit", broken)
    subscribe("https://hotline.example/hooks")
    _, hotline = make_key(submit=True)
    response = gql(
        """mutation { submitCase(input: {type: HELP, channel: APP, text: "路灯坏了很久了",
           address: "历下区泉城路街道芙蓉街2号"}) { errors { code } case { status } } }""",
        key=hotline,
    )
    assert response.data["submitCase"]["errors"] == []
    assert response.data["submitCase"]["case"]["status"] in ("DISPATCHED", "PENDING_DISPATCH")
    assert "could not record webhook case.created" in caplog.text
    assert WebhookDelivery.objects.count() == 0
