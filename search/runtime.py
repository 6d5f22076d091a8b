"""The process-wide search backend, kept in step with what administrators edit in the CMS.

Web servers, the task worker and commands each hold their own backend (the embedded index
reloads what the worker commits about once a second). Synonyms and promotions live in the
database; every use checks one small query and re-applies them when they changed, so an edit
reaches every process without a restart, and a rolled-back edit never lingers in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from django.db.models import CharField, Count, Max, Value

from .backends import SearchBackend, get_backend
from .indexing import vocabulary_terms
from .models import SearchPromotion, SearchSynonym

_lock = threading.Lock()
_applied: dict[str, object] = {"backend": None, "fingerprint": None}


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


def backend() -> SearchBackend:
    """The process-wide backend with the current synonyms, promotions and vocabulary applied."""
    current = get_backend()
    fingerprint = config_fingerprint()
    if _applied["backend"] is current and _applied["fingerprint"] == fingerprint:
        return current
    with _lock:
        if _applied["backend"] is not current or _applied["fingerprint"] != fingerprint:
            configure(current, vocabulary=_applied["backend"] is not current)
            _applied.update(backend=current, fingerprint=fingerprint)
    return current


def forget() -> None:
    """Re-apply everything on next use (after the process backend was replaced, e.g. in tests)."""
    with _lock:
        _applied.update(backend=None, fingerprint=None)
