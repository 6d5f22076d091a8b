"""Keeping long-running processes alive across a lost database: back off, reconnect, go on."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from django.db import DatabaseError, close_old_connections, connections

logger = logging.getLogger("ops.resilience")


class Backoff:
    """Exponential backoff with jitter: 1, 2, 4 … seconds, capped; ``reset`` after a success."""

    def __init__(self, first: float = 1.0, cap: float = 30.0) -> None:
        self.first, self.cap = first, cap
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2**self.failures)
        self.failures += 1
        return delay * (0.5 + random.random() / 2)

    def reset(self) -> None:
        self.failures = 0


def drop_connections() -> None:
    """Close every database connection of this thread so the next query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DatabaseError:
            # A connection the server already cut cannot be closed cleanly; forget it.
            conn.connection = None


def run_forever(
    step: Callable[[], object],
    *,
    name: str,
    sleep: Callable[[], float],
    should_run: Callable[[], bool] = lambda: True,
    backoff: Backoff | None = None,
) -> None:
    """Call ``step`` until ``should_run`` says stop; a database error backs off and reconnects.

    ``sleep`` returns how long to wait after a successful step. Errors other than database errors
    propagate: a bug should stop the process loudly (and the supervisor restarts it).
    """
    backoff = backoff or Backoff()
    while should_run():
        close_old_connections()
        try:
            step()
        except DatabaseError as exc:
            delay = backoff.next_delay()
            logger.warning("%s：数据库不可用（%s），%.1f 秒后重连", name, exc.__class__.__name__, delay)
            drop_connections()
            time.sleep(delay)
            continue
        if backoff.failures:
            logger.info("%s：数据库已恢复，继续运行", name)
            backoff.reset()
        pause = sleep()
        if pause > 0:
            time.sleep(pause)
