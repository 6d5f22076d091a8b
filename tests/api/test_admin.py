"""The admin for partner keys, webhook subscriptions and the delivery log."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

from api.models import PartnerKey, WebhookDelivery, WebhookSubscription
from cms.models import Department

pytestmark = pytest.mark.django_db


def url(model, action, *args):
    return reverse(f"wagtailsnippets_api_{model._meta.model_name}:{action}", args=args)


def shown_secret(response) -> str:
    match = re.search(r"<code data-secret[^>]*>([^<]+)</code>", response.content.decode())
    assert match, "the new secret is shown on the page after creation"
    return match.group(1).strip()


def test_create_key_shows_it_once(admin_client_zh, gql):
    civil = Department.objects.get(code="dept-civil")
    response = admin_client_zh.post(
        url(PartnerKey, "add"),
        {
            "name": "12345 热线系统",
            "partner": "市 12345 热线",
            "can_read_content": "on",
            "can_submit_cases": "on",
            "departments": [civil.pk],
            "rate_limit_per_minute": "300",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_secret(response)
    key = PartnerKey.objects.get(name="12345 热线系统")
    assert raw.startswith(f"{key.prefix}.")
    assert key.created_by.username == "root"
    assert key.scopes == {"read_content", "submit_cases"}
    assert key.department_codes() == {"dept-civil"}
    assert key.rate_limit_per_minute == 300

    secret = raw.split(".", 1)[1]
    for page in (url(PartnerKey, "list"), url(PartnerKey, "edit", key.pk), url(PartnerKey, "inspect", key.pk)):
        body = admin_client_zh.get(page).content.decode()
        assert key.prefix in body and secret not in body
    assert gql("{ ping }", key=raw).status == 200


def test_revoke_from_the_edit_form(admin_client_zh, make_key, gql):
    key, raw = make_key(read=True)
    form = admin_client_zh.get(url(PartnerKey, "edit", key.pk)).content.decode()
    assert 'name="revoke"' in form
    response = admin_client_zh.post(
        url(PartnerKey, "edit", key.pk),
        {
            "name": key.name,
            "partner": key.partner,
            "can_read_content": "on",
            "rate_limit_per_minute": "600",
            "revoke": "on",
        },
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert gql("{ ping }", key=raw).status == 401
    assert 'name="revoke"' not in admin_client_zh.get(url(PartnerKey, "edit", key.pk)).content.decode()
    assert "已吊销" in admin_client_zh.get(url(PartnerKey, "list")).content.decode()


def test_keys_cannot_be_deleted(admin_client_zh, make_key):
    key, _ = make_key(read=True)
    response = admin_client_zh.post(url(PartnerKey, "delete", key.pk))
    assert response.status_code in (302, 403)
    assert PartnerKey.objects.filter(pk=key.pk).exists()


def test_create_webhook_subscription_shows_signing_secret_once(admin_client_zh, monkeypatch):
    import ipaddress

    from api.webhooks import destinations
    from api.webhooks.signing import standard_secret

    # No DNS in tests: the partner's host resolves to a public address.
    monkeypatch.setattr(destinations, "resolve", lambda host, port: [ipaddress.ip_address("8.8.8.8")])
    response = admin_client_zh.post(
        url(WebhookSubscription, "add"),
        {
            "name": "热线系统回调",
            "url": "https://hotline.example.org/hooks",
            "events": ["case.created", "case.resolved"],
            "active": "on",
        },
    )
    assert response.status_code == 200
    secret = shown_secret(response)
    subscription = WebhookSubscription.objects.get(name="热线系统回调")
    # Shown in the Standard Webhooks form partners' libraries take.
    assert standard_secret(subscription.secret) == secret and len(subscription.secret) == 64
    assert subscription.events == ["case.created", "case.resolved"]
    edit = admin_client_zh.get(url(WebhookSubscription, "edit", subscription.pk)).content.decode()
    assert secret not in edit and subscription.secret not in edit
    assert 'value="case.acknowledged"' in edit


def test_delivery_log_is_read_only(admin_client_zh):
    subscription = WebhookSubscription.objects.create(name="s", url="https://x.example/", events=["case.created"])
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="case.created", ticket_number="T1", payload={"a": 1}
    )
    listing = admin_client_zh.get(url(WebhookDelivery, "list"))
    assert listing.status_code == 200 and "T1" in listing.content.decode()
    assert admin_client_zh.get(url(WebhookDelivery, "inspect", delivery.pk)).status_code == 200
    for action, args in (("add", ()), ("edit", (delivery.pk,)), ("delete", (delivery.pk,))):
        try:
            target = url(WebhookDelivery, action, *args)
        except NoReverseMatch:
            continue
        assert admin_client_zh.get(target).status_code in (302, 403)
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()
