"""The one place the API talks to ``search/``: run a query, get plain hits back.

The backend is whatever ``GRAPHQL_SEARCH_BACKEND`` (a dotted path to a zero-argument callable,
default ``search.backends.get_backend``) returns: an object with
``search(query, kinds=None, filters=None, page=1, page_size=10)`` returning a result with
``total`` and ``hits`` (each with ``kind code title snippet url score``), raising an exception
with a ``code`` attribute for requests it cannot run. Tests point the setting at a fake.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from api.conf import api_setting

logger = logging.getLogger("api.search")


class SearchUnavailable(Exception):
    """The backend could not run the search (not configured, down, or it refused the request)."""

    def __init__(self, message: str, code: str = "unavailable") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Hit:
    kind: str
    code: str
    title: str
    snippet: str
    url: str
    score: float


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    corrected_query: str | None = None


def _get(item: Any, name: str, default: Any = None) -> Any:
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def get_backend() -> Any:
    path = api_setting("GRAPHQL_SEARCH_BACKEND")
    try:
        factory = import_string(path)
    except ImportError as error:
        raise SearchUnavailable(f"搜索服务未配置（{path}）。") from error
    return factory()


def run_search(query: str, kinds: Sequence[str] | None, first: int) -> Results:
    """Page one of ``first`` hits (``first`` ≥ 1) for ``query`` restricted to ``kinds``."""
    backend = get_backend()
    try:
        result = backend.search(query, kinds=list(kinds) if kinds else None, filters=None, page=1, page_size=first)
    except Exception as error:
        code = getattr(error, "code", None)
        if code:
            raise SearchUnavailable(str(getattr(error, "message", error)), str(code)) from error
        logger.exception("search backend failed for %r", query)
        raise SearchUnavailable("搜索服务暂时不可用，请稍后再试。") from error
    hits = [
        Hit(
            kind=str(_get(hit, "kind")),
            code=str(_get(hit, "code")),
            title=str(_get(hit, "title") or ""),
            snippet=str(_get(hit, "snippet") or ""),
            url=str(_get(hit, "url") or ""),
            score=float(_get(hit, "score") or 0.0),
        )
        for hit in list(_get(result, "hits") or [])[:first]
    ]
    return Results(total=int(_get(result, "total") or 0), hits=hits, corrected_query=_get(result, "corrected_query"))
