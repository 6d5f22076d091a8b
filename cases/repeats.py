"""The history the repeat rule counts: earlier reports at the same address, one per reporter, and at
most ``HandlingPolicy.repeat_cap_per_source`` reporters from any one source.

Without this, whoever can submit could push an address up the escalation ladder by reporting the
same problem many times (or with many made-up phones from one place), and every intake there would
read all those rows. One bounded query: the most recent ``HISTORY_SCAN`` rows, whatever lies behind.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from django.utils import timezone

from cms.models import HandlingPolicy

from .escalation import local_zone
from .models import Case

HISTORY_SCAN = 100


def source_of(case_source: str, channel: str) -> str:
    """Who handed the report over: a partner key, a staff account, a web address; else the channel."""
    return case_source or f"channel:{channel}"


def reporter_of(phone: str, source: str) -> str:
    """A person: their phone's digits; a report without a phone stands for its source."""
    digits = re.sub(r"\D", "", phone or "")
    return f"tel:{digits}" if len(digits) >= 6 else f"anon:{source}"


def repeat_history(case: Case, days: int) -> list[dict[str, Any]]:
    """Earlier cases at exactly this address in the last ``days`` days, as the rules engine reads
    history: distinct reporters per category (never this case's own reporter), capped per source."""
    if not case.address:
        return []
    cap = HandlingPolicy.load().repeat_cap_per_source
    rows = (
        Case.objects.filter(
            address=case.address,
            received_at__gte=case.received_at - timedelta(days=days),
            received_at__lt=case.received_at,
        )
        .exclude(pk=case.pk)
        .order_by("-received_at", "-pk")
        .values("address", "category__code", "received_at", "request_type", "reporter_phone", "source", "channel")[
            :HISTORY_SCAN
        ]
    )
    me = reporter_of(case.reporter_phone, source_of(case.source, case.channel))
    seen: set[tuple[str | None, str]] = set()
    per_source: Counter[tuple[str | None, str]] = Counter()
    history = []
    for r in rows:
        category = r["category__code"]
        source = source_of(r["source"], r["channel"])
        reporter = reporter_of(r["reporter_phone"], source)
        if reporter == me or (category, reporter) in seen or per_source[(category, source)] >= cap:
            continue
        seen.add((category, reporter))
        per_source[(category, source)] += 1
        history.append(
            {
                "address": r["address"],
                "category": category,
                "received_at": timezone.localtime(r["received_at"], local_zone()).isoformat(),
                "type": r["request_type"],
            }
        )
    return history
