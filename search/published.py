"""Which search hits may be shown: only pages live and public now, so an index that lags never
leaks a draft. The resident pages and the API's ``search`` both filter through it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from cms.models import PolicyPage, ServiceItemPage

MODELS = {"service": ServiceItemPage, "policy": PolicyPage}


class HitLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def code(self) -> str: ...


def published_codes(hits: Iterable[HitLike]) -> set[str]:
    """Codes among ``hits`` that are live and public now (one query per kind present)."""
    hits = list(hits)
    live: set[str] = set()
    for kind, model in MODELS.items():
        codes = [hit.code for hit in hits if hit.kind == kind]
        if codes:
            live.update(model.objects.live().public().filter(code__in=codes).values_list("code", flat=True))
    return live
