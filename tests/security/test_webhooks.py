"""Finding 5: webhooks go to https and public addresses only (checked again at delivery, against DNS
rebinding), keep no answer body, and are signed per Standard Webhooks with replays refused."""

from __future__ import annotations

import ipaddress
import json
from types import SimpleNamespace

import pytest
from django.test import override_settings
from standardwebhooks import Webhook, WebhookVerificationError
from wagtail.admin.panels import get_edit_handler

from api.forms import WebhookSubscriptionForm
from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks import destinations, emit
from api.webhooks.delivery import attempt_delivery
from api.webhooks.destinations import UnsafeDestination, check
from api.webhooks.signing import standard_secret, verify, verify_standard
from tests.api.webhook_server import WebhookReceiver

pytestmark = pytest.mark.django_db

CASE = SimpleNamespace(ticket_number="LX20260317000001", status="dispatched")
PUBLIC = ipaddress.ip_address("203.0.113.10")  # documentation range, stands in for a public address


@pytest.fixture
def public_dns(monkeypatch):
    """Every name resolves to a public address unless a test says otherwise."""
    answers: dict[str, list] = {}

    def resolve(host, port):
        return answers.get(host, [ipaddress.ip_address("8.8.8.8")])

    monkeypatch.setattr(destinations, "resolve", resolve)
    return answers


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:5432/", "https"),
        ("http://169.254.169.254/latest/meta-data/", "https"),
        ("https://127.0.0.1:5432/", "内网或保留地址 127.0.0.1"),
        ("https://169.254.169.254/", "内网或保留地址 169.254.169.254"),
        ("https://[::1]/hook", "内网或保留地址 ::1"),
        ("https://10.1.2.3/hook", "内网或保留地址 10.1.2.3"),
        ("https://user:pw@hooks.example.com/", "用户名或密码"),
        ("ftp://hooks.example.com/", "https://"),
        ("https://localhost/hook", "内网或保留地址"),
    ],
)
def test_unsafe_destinations_are_refused(url, reason):
    with pytest.raises(UnsafeDestination, match=reason.replace("[", r"\[")):
        check(url)


def test_a_public_https_destination_is_accepted(public_dns):
    destination = check("https://hooks.example.com:8443/cases")
    assert (destination.host, destination.port, str(destination.address)) == ("hooks.example.com", 8443, "8.8.8.8")
    assert destination.pinned_url == "https://8.8.8.8:8443/cases"


def test_the_admin_form_refuses_the_metadata_address(reference_data):
    form_class = get_edit_handler(WebhookSubscription).get_form_class()
    assert issubclass(form_class, WebhookSubscriptionForm)
    form = form_class(
        data={"name": "探测", "url": "http://169.254.169.254/", "events": ["case.created"], "active": True},
        instance=WebhookSubscription(),
        for_user=None,
    )
    assert not form.is_valid()
    assert "https" in form.errors["url"][0]


def test_dns_rebinding_is_refused_at_delivery(public_dns):
    subscription = WebhookSubscription(name="热线", url="https://hooks.example.com/cases", events=["case.created"])
    subscription.issue()
    subscription.save()
    public_dns["hooks.example.com"] = [ipaddress.ip_address("127.0.0.1")]  # the name now points inside
    [delivery_id] = emit("case.created", CASE)
    assert attempt_delivery(delivery_id) == WebhookDelivery.Status.RETRYING
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.last_error.startswith("已拒绝投递：接收地址 hooks.example.com 指向内网或保留地址 127.0.0.1")
    assert delivery.response_status is None


@pytest.fixture
def receiver():
    server = WebhookReceiver(statuses=[200]).start()
    yield server
    server.stop()


@override_settings(WEBHOOK_INTERNAL_HOSTS=["127.0.0.1"])
def test_delivery_keeps_only_a_status_line_and_verifies_with_the_standard_library(receiver):
    subscription = WebhookSubscription(name="热线", url=receiver.url, events=["case.created"])
    subscription.issue()
    subscription.save()
    [delivery_id] = emit("case.created", CASE)
    assert attempt_delivery(delivery_id) == WebhookDelivery.Status.SUCCEEDED
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.response_body == "HTTP 200 OK"  # the receiver answered "状态 200": not stored

    request = receiver.received[0]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["webhook-id"] == str(delivery.event_id)
    payload = Webhook(standard_secret(subscription.secret)).verify(request.body, headers)
    assert payload["data"]["ticketNumber"] == "LX20260317000001"
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_secret("another-secret")).verify(request.body, headers)

    # Our own receiver check accepts it once; the same delivery again within 300 s is a replay.
    assert verify_standard(standard_secret(subscription.secret), headers, request.body)
    assert not verify_standard(standard_secret(subscription.secret), headers, request.body)
    forged = {**headers, "webhook-id": "msg-other"}
    assert not verify_standard(standard_secret(subscription.secret), forged, request.body)


@override_settings(WEBHOOK_INTERNAL_HOSTS=["127.0.0.1"])
def test_the_older_signature_verifies_only_once(receiver):
    subscription = WebhookSubscription(name="热线", url=receiver.url, events=["case.created"])
    subscription.issue()
    subscription.save()
    [delivery_id] = emit("case.created", CASE)
    attempt_delivery(delivery_id)
    request = receiver.received[0]
    args = (
        subscription.secret,
        request.headers["X-Governance-Timestamp"],
        request.body,
        request.headers["X-Governance-Signature"],
    )
    assert verify(*args)
    assert not verify(*args)
    assert json.loads(request.body)["event"] == "case.created"
