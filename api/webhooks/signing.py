"""Signatures of webhook deliveries per the Standard Webhooks scheme (https://www.standardwebhooks.com/),
so partners verify with an existing library (``standardwebhooks``, ``svix``, …), plus the check a
receiver runs, which refuses stale timestamps and a delivery id it has already accepted.

Headers: ``webhook-id`` (the delivery's event id, the same on every retry), ``webhook-timestamp``
(unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, keyed
with the subscription secret; partners receive it as ``whsec_<base64 of the key>``.

The older ``X-Governance-Timestamp`` / ``X-Governance-Signature`` (hex HMAC of "timestamp.body")
are still sent for receivers written against them; new receivers should verify the standard headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

from django.core.cache import cache

SIGNATURE_HEADER = "X-Governance-Signature"
TIMESTAMP_HEADER = "X-Governance-Timestamp"
EVENT_HEADER = "X-Governance-Event"
DELIVERY_HEADER = "X-Governance-Delivery"

WEBHOOK_ID = "webhook-id"
WEBHOOK_TIMESTAMP = "webhook-timestamp"
WEBHOOK_SIGNATURE = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a format prefix, not a secret)
TOLERANCE_SECONDS = 300


def standard_secret(secret: str) -> str:
    """The subscription secret in the form Standard Webhooks libraries take."""
    return SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def _key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def sign_standard(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def standard_headers(secret: str, msg_id: str, timestamp: str, body: bytes) -> dict[str, str]:
    return {
        WEBHOOK_ID: msg_id,
        WEBHOOK_TIMESTAMP: timestamp,
        WEBHOOK_SIGNATURE: sign_standard(secret, msg_id, timestamp, body),
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def first_use(delivery_id: str, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True the first time ``delivery_id`` is seen within the tolerance window (Django's cache)."""
    return cache.add(f"webhook-seen:{delivery_id}", 1, timeout=2 * tolerance + 60)


def _fresh(timestamp: str, tolerance: int, now: float | None) -> bool:
    try:
        return abs((time.time() if now is None else now) - int(timestamp)) <= tolerance
    except (TypeError, ValueError):
        return False


def verify_standard(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
    seen: Callable[[str, int], bool] = first_use,
) -> bool:
    """A receiver's check of the standard headers: signature, timestamp within ``tolerance`` and a
    ``webhook-id`` not accepted before (``seen`` records it; pass your own store across processes)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id, timestamp = lowered.get(WEBHOOK_ID, ""), lowered.get(WEBHOOK_TIMESTAMP, "")
    if not msg_id or not _fresh(timestamp, tolerance, now):
        return False
    expected = sign_standard(secret, msg_id, timestamp, body).encode()
    offered = [s.strip().encode() for s in lowered.get(WEBHOOK_SIGNATURE, "").split(" ") if s.strip()]
    if not any(hmac.compare_digest(expected, signature) for signature in offered):
        return False
    return seen(msg_id, tolerance)


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
    *,
    seen: Callable[[str, int], bool] = first_use,
) -> bool:
    """The older headers' check. Their signature does not cover the delivery id, so a replay is
    recognised by the signature itself: the same timestamp and body verify once."""
    if not _fresh(timestamp, tolerance, now):
        return False
    if not hmac.compare_digest(sign(secret, timestamp, body), signature or ""):
        return False
    return seen(signature, tolerance)
