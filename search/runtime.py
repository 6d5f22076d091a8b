"""The process-wide search backend, kept in step with what administrators edit in the CMS.

Web servers, the task worker and commands each hold their own backend (the embedded index
reloads what the worker commits about once a second). Synonyms and promotions live in the
database. Saving or deleting one advances the configuration stamp (docs/adr/0002), which every
process reads at most once per ``REFRESH_SECONDS``; when it moved, one more query tells whether
synonyms or promotions changed, and only then are they re-applied. So a search costs no query
at all between checks, an edit reaches every other process within a second of its commit, and
the process that made the edit re-checks on its next search (within the editing transaction
too, and again once it has committed or rolled back, so a rolled-back edit never lingers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

from django.db import connection
from django.db.models import CharField, Count, Max, Value

from cms.models import ConfigStamp

from .backends import SearchBackend, get_backend
from .indexing import vocabulary_terms
from .models import SearchPromotion, SearchSynonym

#: How often a process reads the configuration stamp (the same second as the rules' snapshot).
REFRESH_SECONDS = 1.0

_lock = threading.Lock()
_applied: dict[str, object] = {"backend": None, "fingerprint": None, "stamp": None, "checked_at": 0.0}
#: Edits made in this process (a counter, so an edit during a check is never lost) and those checked.
_edits = {"made": 0, "seen": 0}


def config_fingerprint() -> Hashable:
    """Changes whenever a synonym or promotion is added, edited or deleted (one query)."""

    def summary(model, label: str):
        # Grouping by a constant leaves no GROUP BY: one row per table, even when it is empty.
        return (
            model.objects.order_by()
            .annotate(table=Value(label, output_field=CharField()))
            .values("table")
            .annotate(rows=Count("pk"), changed_at=Max("updated_at"))
            .values_list("table", "rows", "changed_at")
        )

    rows = summary(SearchSynonym, "synonyms").union(summary(SearchPromotion, "promotions"), all=True)
    return tuple(sorted(rows, key=lambda row: row[0]))


def synonym_lines() -> list[str]:
    """The enabled synonym list in Solr format, in the order administrators see it."""
    return list(SearchSynonym.objects.filter(enabled=True).order_by("pk").values_list("terms", flat=True))


def promotions() -> dict[str, list[str]]:
    """Active promotions: query → codes of the promoted pages, in order."""
    rows = (
        SearchPromotion.objects.filter(active=True)
        .order_by("query", "order", "pk")
        .values_list("query", "page__serviceitempage__code", "page__policypage__code")
    )
    found: dict[str, list[str]] = {}
    for query, service_code, policy_code in rows:
        code = service_code or policy_code
        if code:
            found.setdefault(query, []).append(code)
    return found


def configure(backend: SearchBackend, *, vocabulary: bool) -> None:
    """Apply the CMS's synonyms and promotions (and, if asked, its vocabulary) to *backend*."""
    if vocabulary:
        backend.analyzer.add_terms(vocabulary_terms())
    backend.set_synonyms(synonym_lines())
    backend.set_promotions(promotions())


def mark_changed() -> None:
    """A synonym or promotion was saved or deleted in this process: check on the next search."""
    _edits["made"] += 1


def backend() -> SearchBackend:
    """The process-wide backend with the current synonyms, promotions and vocabulary applied."""
    current = get_backend()
    if (
        _applied["backend"] is current
        and _edits["made"] == _edits["seen"]
        and time.monotonic() - _applied["checked_at"] < REFRESH_SECONDS
    ):
        return current
    with _lock:
        edits = _edits["made"]
        fresh = _applied["backend"] is not current
        if fresh or edits != _edits["seen"] or time.monotonic() - _applied["checked_at"] >= REFRESH_SECONDS:
            stamp = ConfigStamp.current()
            if fresh or edits != _edits["seen"] or stamp != _applied["stamp"]:
                fingerprint = config_fingerprint()
                if fresh or fingerprint != _applied["fingerprint"]:
                    configure(current, vocabulary=fresh)
                _applied.update(backend=current, fingerprint=fingerprint)
            _applied.update(stamp=stamp, checked_at=time.monotonic())
            if not connection.in_atomic_block:
                # Read outside a transaction, so nothing uncommitted of this process was applied.
                _edits["seen"] = edits
    return current


def forget() -> None:
    """Re-apply everything on next use (after the process backend was replaced, e.g. in tests)."""
    with _lock:
        _applied.update(backend=None, fingerprint=None, stamp=None, checked_at=0.0)
        _edits["seen"] = _edits["made"]
