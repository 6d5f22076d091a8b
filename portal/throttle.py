"""Per-IP rate limits of the resident forms, on the same cache counters as the API (``traffic.ratelimit``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from traffic import ratelimit
from traffic.clients import client_ip

DEFAULT_RATES = {"submit": "10/m", "track": "10/m"}
ACTIONS = {"submit": "提交诉求", "track": "查询进度"}


def rate_for(name: str) -> ratelimit.Rate:
    """``PORTAL_SUBMIT_RATE_LIMIT`` / ``PORTAL_TRACK_RATE_LIMIT`` (e.g. ``"10/m"``), else the default."""
    return ratelimit.Rate.parse(getattr(settings, f"PORTAL_{name.upper()}_RATE_LIMIT", DEFAULT_RATES[name]))


def hit(request: HttpRequest, name: str, bucket: str | None = None, rate: ratelimit.Rate | None = None):
    """Count one attempt; the outcome if the limit is exceeded, else None."""
    outcome = ratelimit.hit(bucket or f"portal-{name}:{client_ip(request)}", rate or rate_for(name))
    return None if outcome.allowed else outcome


def too_many(request: HttpRequest, name: str, outcome: ratelimit.Outcome) -> HttpResponse:
    minutes = max(1, -(-outcome.retry_after // 60))
    response = render(
        request,
        "portal/too_many.html",
        {"action": ACTIONS[name], "retry_after": outcome.retry_after, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(outcome.retry_after)
    return response
