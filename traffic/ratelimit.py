"""Fixed-window rate limits on Django's cache: Redis when ``REDIS_URL`` is set, local memory otherwise.

``cache.add`` + ``cache.incr`` are atomic on Redis and within one process on local memory, so
concurrent requests cannot both take the last slot of a window.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    def parse(cls, value: str) -> Rate:
        """``"120/m"`` → 120 per 60 seconds; also ``s``, ``h``, ``d``."""
        match = _RATE.match(value or "")
        if not match:
            raise ValueError(f"无法识别的频率 {value!r}，应形如 120/m。")
        return cls(int(match.group(1)), PERIODS[match.group(2)])


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def hit(bucket: str, rate: Rate, cost: int = 1) -> Outcome:
    """Count ``cost`` requests against ``bucket`` in the current window."""
    now = time.time()
    window = int(now // rate.period)
    key = f"api:rl:{bucket}:{rate.period}:{window}"
    cache.add(key, 0, timeout=rate.period + 1)
    try:
        count = cache.incr(key, cost)
    except ValueError:  # the key expired between add and incr
        cache.set(key, cost, timeout=rate.period + 1)
        count = cost
    retry_after = max(1, int((window + 1) * rate.period - now + 0.999))
    return Outcome(count <= rate.limit, rate.limit, max(rate.limit - count, 0), retry_after)
