"""Completions for the search box: titles and keywords matched by Chinese, full pinyin or initials.

Elasticsearch has its own completion suggester; this in-memory index serves the embedded backend
(a sorted key list and binary search: microseconds for tens of thousands of entries).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .backends.base import Suggestion
from .documents import SearchDocument
from .text import Analyzer, normalize

_LATIN_PREFIX_RE = re.compile(r"^[a-z' ]+$")
TITLE, KEYWORD = 0, 1
TEXT_KEY, PINYIN_KEY, INITIALS_KEY = 0, 1, 2


@dataclass(frozen=True)
class _Entry:
    text: str
    code: str
    kind: str
    url: str
    source: int


class SuggestionIndex:
    """Prefix search over every title and keyword, by text, pinyin and initials."""

    def __init__(self) -> None:
        self._entries: dict[str, list[_Entry]] = {}
        self._keys: list[tuple[str, int, int]] = []
        self._flat: list[_Entry] = []
        self._normalized: list[str] = []
        self._dirty = False

    def add(self, doc: SearchDocument) -> None:
        entries = [_Entry(doc.title, doc.code, doc.kind, doc.url, TITLE)]
        entries += [_Entry(k, doc.code, doc.kind, doc.url, KEYWORD) for k in doc.keywords if k]
        self._entries[doc.code] = entries
        self._dirty = True

    def remove(self, code: str) -> None:
        if self._entries.pop(code, None) is not None:
            self._dirty = True

    def clear(self) -> None:
        self._entries.clear()
        self._dirty = True

    def _rebuild(self) -> None:
        flat = [entry for entries in self._entries.values() for entry in entries]
        keys: list[tuple[str, int, int]] = []
        normalized: list[str] = []
        for position, entry in enumerate(flat):
            text, full, initials = Analyzer.suggestion_keys(entry.text)
            normalized.append(text)
            keys.append((text, TEXT_KEY, position))
            if full:
                keys.append((full, PINYIN_KEY, position))
                keys.append((initials, INITIALS_KEY, position))
        keys.sort()
        self._flat, self._keys, self._normalized, self._dirty = flat, keys, normalized, False

    def complete(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Titles and keywords starting with *prefix* (or, for Chinese, containing it)."""
        if self._dirty:
            self._rebuild()
        key = normalize(prefix)
        if not key or limit < 1:
            return []
        if _LATIN_PREFIX_RE.match(key):
            key = key.replace(" ", "").replace("'", "")
        found: list[tuple[tuple[int, int, int, int, str], _Entry]] = []
        start = bisect.bisect_left(self._keys, (key, -1, -1))
        for text, key_kind, position in self._keys[start:]:
            if not text.startswith(key):
                break
            entry = self._flat[position]
            exact = 0 if text == key else 1
            found.append(((exact, key_kind, entry.source, len(entry.text), entry.text), entry))
        if len(key) >= 2 and not _LATIN_PREFIX_RE.match(key):
            for entry, text in zip(self._flat, self._normalized, strict=True):
                if key in text and not text.startswith(key):
                    found.append(((1, 3, entry.source, len(entry.text), entry.text), entry))
        found.sort(key=lambda item: item[0])
        seen: set[str] = set()
        results: list[Suggestion] = []
        for _rank, entry in found:
            if entry.text in seen:
                continue
            seen.add(entry.text)
            results.append(Suggestion(text=entry.text, code=entry.code, kind=entry.kind, url=entry.url))
            if len(results) >= limit:
                break
        return results
