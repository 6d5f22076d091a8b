"""Index maintenance on Django's Tasks API: the task worker is the only process that writes the index.

Each task brings the index to the current state of the database, so one that runs late, twice
or after a newer one changes nothing extra. ``schedule_*`` collect what a transaction changed
and enqueue once it commits: a rolled-back publish never reaches the index, and importing a
hundred pages in one transaction is one task, not a hundred.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def index_pages(page_ids: list[int]) -> dict[str, list[str]]:
    from .services import index_pages as run

    outcome = run(page_ids)
    return {"indexed": list(outcome.indexed), "removed": list(outcome.removed)}


@task()
def delete_codes(codes: list[str]) -> list[str]:
    from .services import delete_codes as run

    return list(run(codes).removed)


@task()
def rebuild() -> int:
    from .services import rebuild_index

    return rebuild_index().total


@dataclass(eq=False)
class _Batch:
    """What one transaction asked of the index, enqueued when it commits."""

    page_ids: set[int] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    full_rebuild: bool = False
    flushed: bool = False

    def __post_init__(self) -> None:
        self.callback = self.flush  # one bound method, to find it among the pending callbacks

    def flush(self) -> None:
        self.flushed = True
        try:
            if self.full_rebuild:
                rebuild.enqueue()
                return
            # Deletes first: a page deleted and another created with its code in one transaction.
            if self.codes:
                delete_codes.enqueue(sorted(self.codes))
            if self.page_ids:
                index_pages.enqueue(sorted(self.page_ids))
        except Exception:
            logger.exception(
                "无法排队搜索索引任务（页面 %s，删除 %s，重建 %s）；请运行 manage.py search_index --rebuild 补上",
                sorted(self.page_ids),
                sorted(self.codes),
                self.full_rebuild,
            )


_local = threading.local()


def _pending_batch() -> _Batch | None:
    """The batch of the current transaction, if its on-commit callback is still pending.

    A rollback (of the transaction or of the savepoint that registered it) discards the
    callback, and then the batch must not collect any more. Django keeps the pending callbacks
    in ``connection.run_on_commit`` (what ``TestCase.captureOnCommitCallbacks`` reads too).
    """
    connection = transaction.get_connection()
    batch: _Batch | None = getattr(_local, "batch", None)
    if batch is None or batch.flushed or not connection.in_atomic_block:
        return None
    if not any(entry[1] is batch.callback for entry in connection.run_on_commit):
        return None
    return batch


def _schedule(page_ids: Iterable[int] = (), codes: Iterable[str] = (), full_rebuild: bool = False) -> None:
    in_transaction = transaction.get_connection().in_atomic_block
    batch = _pending_batch()
    if batch is None:
        batch = _Batch()
        if in_transaction:
            _local.batch = batch
            transaction.on_commit(batch.callback)
    batch.page_ids.update(page_ids)
    batch.codes.update(codes)
    batch.full_rebuild = batch.full_rebuild or full_rebuild
    if not in_transaction:
        batch.flush()


def schedule_index(page_ids: Iterable[int]) -> None:
    """Re-index these pages (or remove them if no longer live) after commit."""
    ids = set(page_ids)
    if ids:
        _schedule(page_ids=ids)


def schedule_delete(codes: Iterable[str]) -> None:
    """Remove these codes (pages deleted) after commit."""
    codes = set(codes)
    if codes:
        _schedule(codes=codes)


def schedule_rebuild() -> None:
    """Rebuild the whole index after commit (synonyms changed)."""
    _schedule(full_rebuild=True)
