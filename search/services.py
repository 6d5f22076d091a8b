"""Search workflows: what residents' searches, the task worker and the admin all call.

:func:`search` and :func:`suggest` are the only way callers (the API, resident pages) reach
the index: they apply the CMS's synonyms and promotions and log what residents asked.
:func:`index_pages`, :func:`delete_codes` and :func:`rebuild_index` keep the index in step
with publishing; the task worker runs them (see :mod:`search.tasks`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError

from . import querylog, runtime
from .backends import SearchResult, Suggestion
from .backends.base import Progress, SearchError
from .documents import KINDS, POLICY, SERVICE
from .indexing import all_documents, live_codes, page_codes
from .models import SearchQueryLog
from .text import MAX_QUERY_CHARS, normalize

logger = logging.getLogger(__name__)

MAX_SUGGESTIONS = 20
#: Runs of this many digits or more (phone, ID and account numbers) are masked in the query log.
_LONG_NUMBER_RE = re.compile(r"\d{6,}")
LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class IndexOutcome:
    """What one indexing run changed: codes written and codes removed."""

    indexed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class RebuildSummary:
    backend: str
    services: int
    policies: int
    seconds: float

    @property
    def total(self) -> int:
        return self.services + self.policies


@dataclass(frozen=True)
class IndexStatus:
    """The index against the CMS: what is searchable, what is missing, what should be gone."""

    backend: str
    indexed: int
    live: int
    missing: tuple[str, ...]
    stale: tuple[str, ...]

    @property
    def in_sync(self) -> bool:
        return not self.missing and not self.stale


# -- residents -------------------------------------------------------------------------------------


def search(
    query: str,
    kinds: Iterable[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    page: int = 1,
    page_size: int = 10,
    log: bool = True,
) -> SearchResult:
    """Search live service items and policies.

    Raises :class:`~search.backends.SearchError` (``code``, Chinese ``message``) for a request
    that cannot run: an unknown kind or filter, a bad page or page size, a missing index.
    With *log*, a non-blank query is recorded once, on its first page.
    """
    kinds = list(kinds) if kinds else None
    result = runtime.backend().search(query, kinds=kinds, filters=filters, page=page, page_size=page_size)
    if log and page == 1:
        record_query(query, result.total, kinds)
    return result


def suggest(prefix: str, limit: int = 10) -> list[Suggestion]:
    """Completions for what a resident has typed so far (Chinese, pinyin or initials)."""
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise SearchError("invalid_limit", f"联想条数须在 1 到 {MAX_SUGGESTIONS} 之间")
    return runtime.backend().suggest(prefix, limit)


def record_query(query: str, results_count: int, kinds: Iterable[str] | None = None) -> SearchQueryLog | None:
    """Log one search for the statistics report; long numbers are masked, blank queries skipped.

    The row is written with the next batch (:mod:`search.querylog`), off the resident's request;
    a failed write is logged and never fails the search.
    """
    text = _LONG_NUMBER_RE.sub(lambda m: "*" * len(m.group()), " ".join(query.split()))[:MAX_QUERY_CHARS]
    if not text:
        return None
    chosen = sorted(set(kinds or ())) if kinds and set(kinds) != set(KINDS) else []
    row = SearchQueryLog(
        query=text,
        normalized_query=normalize(text)[:MAX_QUERY_CHARS],
        results_count=results_count,
        kinds=",".join(chosen),
    )
    try:
        return querylog.record(row)
    except DatabaseError:
        logger.exception("搜索记录写入失败（搜索词 %r，%d 条结果）", text, results_count)
        return None


# -- keeping the index in step with the CMS ----------------------------------------------------------


def index_pages(page_ids: Iterable[int]) -> IndexOutcome:
    """Bring the given pages' documents in line with their rows: index the live and public ones,
    remove the others. Safe to run late, twice, or out of order."""
    ids = list(dict.fromkeys(page_ids))
    if not ids:
        return IndexOutcome()
    backend = runtime.backend()
    docs = all_documents(ids)
    indexed = {doc.code for doc in docs}
    removed = sorted(set(page_codes(ids).values()) - indexed)
    if docs:
        backend.index(docs)
    if removed:
        backend.delete(removed)
    return IndexOutcome(indexed=tuple(doc.code for doc in docs), removed=tuple(removed))


def delete_codes(codes: Iterable[str]) -> IndexOutcome:
    """Remove documents by code (pages that no longer exist)."""
    codes = sorted(set(codes))
    if codes:
        runtime.backend().delete(codes)
    return IndexOutcome(removed=tuple(codes))


def rebuild_index(progress: Progress | None = None) -> RebuildSummary:
    """Replace the whole index with the live pages, with the current synonyms and vocabulary.

    Readers never see a half-built index: the embedded engine swaps in one commit and
    Elasticsearch fills a new index before moving its alias. Running it again changes nothing.
    """
    started = time.perf_counter()
    backend = runtime.backend()
    runtime.configure(backend, vocabulary=True)
    docs = all_documents()
    backend.reindex(docs, progress=progress)
    return RebuildSummary(
        backend=backend.name,
        services=sum(doc.kind == SERVICE for doc in docs),
        policies=sum(doc.kind == POLICY for doc in docs),
        seconds=time.perf_counter() - started,
    )


def indexed_codes() -> set[str]:
    """Every code in the index (a blank query lists all documents)."""
    backend = runtime.backend()
    codes: set[str] = set()
    page = 1
    while True:
        result = backend.search("", page=page, page_size=LIST_PAGE_SIZE)
        codes.update(hit.code for hit in result.hits)
        if not result.has_next:
            return codes
        page += 1


def index_status() -> IndexStatus:
    backend = runtime.backend()
    expected = set().union(*live_codes().values())
    present = indexed_codes()
    return IndexStatus(
        backend=backend.name,
        indexed=backend.count(),
        live=len(expected),
        missing=tuple(sorted(expected - present)),
        stale=tuple(sorted(present - expected)),
    )


class _ServiceBackend:
    """The service functions behind the backend interface, for callers configured with a factory."""

    def search(self, query, kinds=None, filters=None, page=1, page_size=10):
        return search(query, kinds=kinds, filters=filters, page=page, page_size=page_size)

    def suggest(self, prefix, limit=10):
        return suggest(prefix, limit=limit)


def service_backend() -> _ServiceBackend:
    """What the API calls: searches go through synonyms, promotions and the query log like every other caller."""
    return _ServiceBackend()
