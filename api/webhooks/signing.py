"""HMAC-SHA256 signatures of webhook deliveries, and the check a receiver runs.

The signed message is ``f"{timestamp}.".encode() + body``; the headers are
``X-Governance-Timestamp: <unix seconds>`` and ``X-Governance-Signature: sha256=<hex>``.
Signing the timestamp lets receivers refuse replays older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Governance-Signature"
TIMESTAMP_HEADER = "X-Governance-Timestamp"
EVENT_HEADER = "X-Governance-Event"
DELIVERY_HEADER = "X-Governance-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300, now: float | None = None
) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is within ``tolerance`` seconds."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature or "")
