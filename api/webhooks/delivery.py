"""One delivery attempt: claim the row, POST the signed payload, record the outcome, schedule a retry."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
from django.db.models import F
from django.utils import timezone

from api.conf import api_setting
from api.models import WebhookDelivery

from .destinations import Destination, UnsafeDestination, check
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, standard_headers

logger = logging.getLogger("api.webhooks")

Status = WebhookDelivery.Status
RESPONSE_EXCERPT = 64


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failure: base·2^(n−1), capped."""
    base = api_setting("WEBHOOK_BACKOFF_BASE_SECONDS")
    return int(min(base * 2 ** max(attempts - 1, 0), api_setting("WEBHOOK_BACKOFF_MAX_SECONDS")))


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class _PinnedAdapter(requests.adapters.HTTPAdapter):
    """Connects to the checked address while TLS still verifies the certificate for the host name."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self.hostname
        kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **kwargs)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code or None, a short status line, error text). The answer's body is never read or
    kept: a receiver's reply is none of our business and could hold anything."""
    try:
        destination: Destination = check(url)
    except UnsafeDestination as error:
        return None, "", f"已拒绝投递：{error}"
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment between us and the checked address
        session.mount(f"{destination.scheme}://", _PinnedAdapter(destination.host))
        try:
            with session.post(
                destination.pinned_url,
                data=body,
                headers={**headers, "Host": urlsplit(url).netloc.rsplit("@", 1)[-1]},
                timeout=api_setting("WEBHOOK_TIMEOUT_SECONDS"),
                allow_redirects=False,
                stream=True,
            ) as response:
                ok = 200 <= response.status_code < 300
                status = f"HTTP {response.status_code} {response.reason or ''}".strip()[:RESPONSE_EXCERPT]
                return response.status_code, status, "" if ok else f"接收方返回 HTTP {response.status_code}"
        except requests.RequestException as error:
            return None, "", f"{type(error).__name__}"[:RESPONSE_EXCERPT]


def attempt_delivery(delivery_id: int) -> str:
    """Try once. Returns the new status; rows already delivered, given up or taken are skipped."""
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.RETRYING]).update(
        status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription__partner_key").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_deliverable:
        _finish(delivery, Status.FAILED, error="订阅已停用或所属密钥已吊销，不再投递。")
        return Status.FAILED

    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": api_setting("WEBHOOK_USER_AGENT"),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
        **standard_headers(subscription.secret, str(delivery.event_id), timestamp, body),
    }
    started = time.monotonic()
    status_code, excerpt, error = _post(subscription.url, body, headers)
    duration = int((time.monotonic() - started) * 1000)

    if not error:
        _finish(delivery, Status.SUCCEEDED, status_code, excerpt, duration=duration)
        return Status.SUCCEEDED
    if delivery.attempts >= api_setting("WEBHOOK_MAX_ATTEMPTS"):
        logger.warning("webhook delivery %s gave up after %s attempts: %s", delivery.pk, delivery.attempts, error)
        _finish(delivery, Status.FAILED, status_code, excerpt, error, duration)
        return Status.FAILED
    retry_at = timezone.now() + timedelta(seconds=backoff_seconds(delivery.attempts))
    _finish(delivery, Status.RETRYING, status_code, excerpt, error, duration, retry_at)
    schedule(delivery.pk, retry_at)
    return Status.RETRYING


def _finish(
    delivery: WebhookDelivery,
    status: str,
    status_code: int | None = None,
    excerpt: str = "",
    error: str = "",
    duration: int | None = None,
    retry_at: datetime | None = None,
) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        response_status=status_code,
        response_body=excerpt,
        last_error=error,
        duration_ms=duration,
        next_attempt_at=retry_at,
        delivered_at=timezone.now() if status == Status.SUCCEEDED else None,
    )


def schedule(delivery_id: int, run_after: datetime | None = None) -> bool:
    """Queue a delivery on the task worker; False when it is left for ``manage.py deliver_webhooks``.

    A retry needs a backend that can defer (``run_after``); without one the row waits, marked
    RETRYING with its due time, until the sweep command picks it up.
    """
    from .tasks import deliver_webhook

    task = deliver_webhook
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return False
        task = task.using(run_after=run_after)
    try:
        task.enqueue(delivery_id)
    except Exception:
        logger.exception("could not enqueue webhook delivery %s; the sweep will retry it", delivery_id)
        return False
    return True
