"""The limit on looking one ticket up, shared by the resident pages and the API, so that many
phone numbers cannot be tried on one ticket through either door."""

from __future__ import annotations

from django.conf import settings

from cases.limits import LOOKUP_MAX

from .ratelimit import Rate

DEFAULT_PER_TICKET = "20/h"


def per_ticket_rate() -> Rate:
    """``GRAPHQL_CASE_LOOKUP_PER_TICKET_RATE_LIMIT``, e.g. ``"20/h"``."""
    return Rate.parse(getattr(settings, "GRAPHQL_CASE_LOOKUP_PER_TICKET_RATE_LIMIT", DEFAULT_PER_TICKET))


def ticket_bucket(ticket_number: str) -> str:
    return f"case-ticket:{ticket_number.strip().upper()[:LOOKUP_MAX]}"
