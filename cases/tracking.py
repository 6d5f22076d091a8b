"""How a resident proves a case is theirs, and the limits that stop strangers from guessing
(``docs/adr/0006-resident-tracking-without-lockout.md``).

Two proofs open a case with its ticket number: the phone the resident gave, or the check code
(查询码) printed when the case was received. Only failures count against a client: after
``RESIDENT_LOOKUP_CLIENT_FAILURES`` misses a client may not try phones any more for a while, and
once a ticket has had ``RESIDENT_LOOKUP_TICKET_FAILURES`` misses, only clients that have not yet
failed on it may try a phone there. A check code is 40 random bits and is never refused by these
counters, so nobody can lock a resident out of their own case.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .models import Case

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols without 0/O and 1/I
CODE_LENGTH = 8  # 40 bits
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULTS = {"RESIDENT_LOOKUP_CLIENT_FAILURES": "10/h", "RESIDENT_LOOKUP_TICKET_FAILURES": "5/h"}


def new_check_code() -> str:
    """A fresh 查询码 such as ``K7QM-3XPA`` without the hyphen."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value: str) -> str:
    """What a resident typed as a check code, in stored form ('' when it cannot be one)."""
    code = re.sub(r"[\s\-]", "", str(value or "")).upper()
    return code if _CODE.match(code) else ""


def format_code(code: str) -> str:
    """``K7QM3XPA`` → ``K7QM-3XPA``, easier to read out over the phone."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


class LookupRefused(Exception):
    """Too many failed lookups; ``retry_after`` seconds until phones may be tried again."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"查询失败次数过多，请 {minutes} 分钟后再试；用受理时给出的查询码查询不受此限制。")
        self.retry_after = retry_after
        self.message = str(self)


@dataclass(frozen=True)
class _Window:
    limit: int
    period: int

    @classmethod
    def of(cls, name: str) -> _Window:
        """``"10/h"`` or ``"5/15m"`` from settings."""
        match = _RATE.match(getattr(settings, name, DEFAULTS[name]))
        if not match:
            raise ValueError(f"{name} 应形如 10/h 或 5/15m。")
        return cls(int(match.group(1)), int(match.group(2) or 1) * _PERIODS[match.group(3)])

    def key(self, bucket: str) -> tuple[str, int]:
        window = int(time.time() // self.period)
        digest = hashlib.sha256(bucket.encode("utf-8", "surrogatepass")).hexdigest()[:32]  # whatever was typed
        return f"track:{digest}:{self.period}:{window}", int((window + 1) * self.period - time.time()) + 1

    def count(self, bucket: str) -> int:
        return int(cache.get(self.key(bucket)[0], 0))

    def add(self, bucket: str) -> None:
        key, ttl = self.key(bucket)
        if not cache.add(key, 1, timeout=ttl):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.set(key, 1, timeout=ttl)


def _ticket(ticket_number: str) -> str:
    return str(ticket_number or "").strip().upper()[:32]


def find_own_case(ticket_number: str, proof: str, *, client: str) -> Case | None:
    """The case whose ticket number and phone or check code match, else ``None`` (no reason given).

    ``client`` names the caller across doors (``ip:…`` or ``key:…``), so the portal and the API
    share one count. Raises :class:`LookupRefused` when a phone may not be tried now.
    """
    from .services.lookup import find_case_for_resident

    ticket = _ticket(ticket_number)
    per_client = _Window.of("RESIDENT_LOOKUP_CLIENT_FAILURES")
    per_ticket = _Window.of("RESIDENT_LOOKUP_TICKET_FAILURES")
    if not normalize_code(proof):
        if per_client.count(f"client:{client}") >= per_client.limit:
            raise LookupRefused(per_client.key(f"client:{client}")[1])
        tried_here = per_ticket.count(f"tried:{client}:{ticket}")
        if tried_here and per_ticket.count(f"ticket:{ticket}") >= per_ticket.limit:
            raise LookupRefused(per_ticket.key(f"ticket:{ticket}")[1])
    case = find_case_for_resident(ticket, proof)
    if case is None:
        per_client.add(f"client:{client}")
        per_ticket.add(f"ticket:{ticket}")
        per_ticket.add(f"tried:{client}:{ticket}")
    return case
