"""The residents' query log, written in batches off the request path.

A search only appends its row to this process's buffer. A daemon thread writes what has
gathered with one bulk INSERT every ``SEARCH_QUERY_LOG_FLUSH_SECONDS`` (sooner once
``SEARCH_QUERY_LOG_BATCH`` rows wait), and the rest when the interpreter exits normally (a
graceful gunicorn stop, Ctrl-C on runserver, the end of a command). A crash that skips the exit
(SIGKILL, out of memory, power loss) loses the rows of at most the last interval. A failed
write is logged and retried with the next batch; if the database stays away, the buffer keeps
the newest ``MAX_BUFFERED`` rows. With ``SEARCH_QUERY_LOG_FLUSH_SECONDS = 0`` each row is
written at once by the caller (the test settings do this).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import DatabaseError, connections

from .models import SearchQueryLog

logger = logging.getLogger(__name__)

DEFAULT_FLUSH_SECONDS = 2.0
DEFAULT_BATCH = 200
MAX_BUFFERED = 10_000


def flush_seconds() -> float:
    return float(getattr(settings, "SEARCH_QUERY_LOG_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS))


def write_rows(rows: Sequence[SearchQueryLog]) -> None:
    SearchQueryLog.objects.bulk_create(rows, batch_size=500)


class QueryLogBuffer:
    """Rows waiting to be written, and the thread that writes them."""

    def __init__(self, writer: Callable[[Sequence[SearchQueryLog]], None] = write_rows) -> None:
        self.writer = writer
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # A forked child (a pre-loading server's worker) gets no thread and must not share the lock.
        self._rows: list[SearchQueryLog] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, row: SearchQueryLog) -> None:
        with self._lock:
            self._rows.append(row)
            if len(self._rows) > MAX_BUFFERED:
                dropped = len(self._rows) - MAX_BUFFERED
                del self._rows[:dropped]
                logger.warning("搜索记录积压过多，丢弃最早的 %d 条（数据库不可用？）", dropped)
            waiting = len(self._rows)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="search-query-log", daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        if waiting >= int(getattr(settings, "SEARCH_QUERY_LOG_BATCH", DEFAULT_BATCH)):
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write every buffered row now, in the calling thread; returns how many were written."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        try:
            self.writer(rows)
        except DatabaseError:
            logger.exception("搜索记录写入失败（%d 条），稍后重试", len(rows))
            with self._lock:
                self._rows[:0] = rows[-MAX_BUFFERED:]
            return 0
        return len(rows)

    def _run(self) -> None:
        while True:
            self._wake.wait(max(flush_seconds(), 0.05))
            self._wake.clear()
            try:
                if self.flush():
                    connections.close_all()  # this thread's connections only; the next batch reconnects
            except Exception:
                logger.exception("搜索记录写入线程出错")


buffer = QueryLogBuffer()


def record(row: SearchQueryLog) -> SearchQueryLog:
    """Queue *row* for the next batch, or write it now when batching is off."""
    if flush_seconds() <= 0:
        row.save()
    else:
        buffer.add(row)
    return row
