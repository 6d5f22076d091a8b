"""Retry a workflow when SQLite reports a lock; PostgreSQL waits on row locks and never needs it."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

P = ParamSpec("P")
T = TypeVar("T")
ATTEMPTS = 6


def retry_when_locked(func: Callable[P, T]) -> Callable[P, T]:
    """Run the whole transaction again on "database is locked" (SQLite has no row locks).

    Only outside a caller's transaction: inside one, the caller owns the retry.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                last = attempt == ATTEMPTS - 1
                if last or transaction.get_connection().in_atomic_block or "locked" not in str(exc):
                    raise
                time.sleep(0.02 * 2**attempt)
        raise AssertionError("unreachable")

    return wrapper
