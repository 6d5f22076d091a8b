"""Choose the search backend from settings, lazily, so this package also works without Django.

Settings read (all optional): ``SEARCH_BACKEND`` ("embedded" | "elasticsearch"),
``SEARCH_INDEX_DIR`` (None = in memory), ``ELASTICSEARCH_URL``, ``ELASTICSEARCH_ANALYZER``,
``ELASTICSEARCH_INDEX_PREFIX``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..synonyms import SynonymSet
from .base import SearchBackend, SearchError, SearchHit, SearchResult, Suggestion

__all__ = [
    "SearchBackend",
    "SearchError",
    "SearchHit",
    "SearchResult",
    "Suggestion",
    "create_backend",
    "get_backend",
    "reset_backend",
    "setting",
]

_UNSET = object()
_backend: SearchBackend | None = None
_lock = threading.Lock()


def setting(name: str, default: Any = None) -> Any:
    """A Django setting if Django is configured, else the environment variable, else *default*."""
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, name, _UNSET)
            if value is not _UNSET:
                return value
    except ImportError:  # pragma: no cover - Django is a dependency of the project
        pass
    return os.environ.get(name, default)


def create_backend(
    name: str | None = None,
    *,
    synonyms: SynonymSet | Iterable[str | Sequence[str]] | None = None,
    promotions: Mapping[str, Sequence[str]] | None = None,
    **options: Any,
) -> SearchBackend:
    """A new backend: *name* or ``SEARCH_BACKEND``; other settings fill options not given."""
    elasticsearch_url = setting("ELASTICSEARCH_URL", "") or ""
    name = name or setting("SEARCH_BACKEND", None) or ("elasticsearch" if elasticsearch_url else "embedded")
    if name == "embedded":
        from .embedded import EmbeddedBackend

        path = options.pop("path", setting("SEARCH_INDEX_DIR", None))
        return EmbeddedBackend(path or None, synonyms=synonyms, promotions=promotions, **options)
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchBackend

        options.setdefault("url", elasticsearch_url)
        options.setdefault("analyzer_name", setting("ELASTICSEARCH_ANALYZER", "cjk") or "cjk")
        options.setdefault("prefix", setting("ELASTICSEARCH_INDEX_PREFIX", "governance") or "governance")
        return ElasticsearchBackend(synonyms=synonyms, promotions=promotions, **options)
    raise SearchError("unknown_backend", f"SEARCH_BACKEND={name!r} 不可用，请设为 embedded 或 elasticsearch")


def get_backend() -> SearchBackend:
    """The process-wide backend built from settings (created on first use)."""
    global _backend
    if _backend is None:
        with _lock:
            if _backend is None:
                _backend = create_backend()
    return _backend


def reset_backend() -> None:
    """Forget the process-wide backend (tests, or after settings change)."""
    global _backend
    with _lock:
        _backend = None
