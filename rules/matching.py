"""Keyword matching exactly as ``rules.json`` ``semantics.keyword_matching`` states it.

Every keyword and urgent keyword of every leaf is matched as a substring; the scan keeps the
leftmost, then longest, hit and continues after it, so hits never overlap ("打不着火" is one
gas-service hit, not also the fire keyword "着火").

Residents write the same words in many shapes, so text and keywords pass through the same
character-level normalisation first: NFKC (full-width letters and digits become half-width),
case folding ("ktv" = "KTV"), traditional to simplified characters (OpenCC's character table,
one character to one character), and removal of whitespace and zero-width characters that
split words ("煤 气 味"). Normalisation works per character, so hit offsets still point into
the original text. Nothing beyond that is added: no word segmentation and no synonyms, because
the keywords administrators maintain in the CMS are the contract, and segmentation would
silently drop substring hits the contract promises.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rules.snapshot import CategoryLeaf

# Characters removed before matching: they split words in pasted or dictated text.
_DROP = frozenset(
    " \t\r\n\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[str, str]:
    """OpenCC's one-to-one character table; empty when the package is not installed."""
    try:
        from importlib.resources import files

        text = (files("opencc") / "dictionary" / "TSCharacters.txt").read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError, ModuleNotFoundError, OSError):
        return {}
    table: dict[str, str] = {}
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        first = targets.split()[0] if targets.split() else ""
        if len(source) == 1 and len(first) == 1 and source != first:
            table[source] = first
    return table


class _CharTable(dict[int, str]):
    """ord(char) -> normalised string, filled on first sight of each character (for str.translate)."""

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[str] = set()  # characters whose normalised form is not one character

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in _DROP:
            value = ""
        else:
            t2s = _traditional_to_simplified()
            value = "".join(t2s.get(c, c) for c in unicodedata.normalize("NFKC", char).casefold())
            value = "".join(c for c in value if c not in _DROP)
        if len(value) != 1:
            self.irregular.add(char)
        self[code] = value
        return value


_CHARS = _CharTable()


def normalize(text: str) -> str:
    """The matching form of ``text`` (see the module docstring)."""
    return text.translate(_CHARS)


def normalize_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Normalised text plus, when lengths changed, the original index of every output character."""
    out = text.translate(_CHARS)
    if _CHARS.irregular.isdisjoint(text):
        return out, None
    origin: list[int] = []
    for index, char in enumerate(text):
        origin.extend([index] * len(_CHARS[ord(char)]))
    return out, origin


@dataclass(frozen=True, slots=True)
class KeywordHit:
    """One keyword found in a text; ``start``/``end`` index the original (unnormalised) text."""

    keyword: str
    leaf: CategoryLeaf
    start: int
    end: int
    is_urgent_keyword: bool


_Candidate = tuple[str, int, str, CategoryLeaf, bool]


class KeywordMatcher:
    """A first-character index over all keywords, built once per configuration snapshot."""

    def __init__(self, leaves: Iterable[CategoryLeaf]) -> None:
        entries: dict[str, tuple[str, CategoryLeaf, bool]] = {}
        for leaf in leaves:
            urgent = set(leaf.urgent_keywords)
            for keyword in (*leaf.keywords, *leaf.urgent_keywords):
                form = normalize(keyword)
                if not form:
                    continue
                known = entries.get(form)
                if known is None:
                    entries[form] = (keyword, leaf, keyword in urgent)
                elif known[1] is leaf and keyword in urgent and not known[2]:
                    entries[form] = (known[0], leaf, True)
                # Otherwise the first leaf in table order keeps the keyword (validation reports it).
        # Two-level index (first character, then second) keeps the candidate lists short; each
        # list is longest first, and one-character keywords sit at the end of every list.
        index: dict[str, dict[str, list[_Candidate]]] = {}
        singles: dict[str, list[_Candidate]] = {}
        for form, (keyword, leaf, urgent_kw) in entries.items():
            candidate = (form, len(form), keyword, leaf, urgent_kw)
            if len(form) == 1:
                singles.setdefault(form, []).append(candidate)
            else:
                index.setdefault(form[0], {}).setdefault(form[1], []).append(candidate)
        for first, single in singles.items():
            node = index.setdefault(first, {})
            for candidates in node.values():
                candidates.extend(single)
            node[""] = list(single)
        self._index = {
            first: {second: tuple(sorted(c, key=lambda c: -c[1])) for second, c in node.items()}
            for first, node in index.items()
        }
        self.keyword_count = len(entries)

    def find(self, text: str) -> list[KeywordHit]:
        """Leftmost-longest, non-overlapping hits in text order."""
        if not text:
            return []
        norm, origin = normalize_with_offsets(text)
        index_get = self._index.get
        startswith = norm.startswith
        hits: list[KeywordHit] = []
        resume = 0
        for i, char in enumerate(norm):
            if i < resume:
                continue
            node = index_get(char)
            if node is None:
                continue
            candidates = node.get(norm[i + 1 : i + 2]) or node.get("")
            if candidates is None:
                continue
            for form, length, keyword, leaf, urgent_kw in candidates:
                if startswith(form, i):
                    resume = i + length
                    if origin is None:
                        hits.append(KeywordHit(keyword, leaf, i, resume, urgent_kw))
                    else:
                        hits.append(KeywordHit(keyword, leaf, origin[i], origin[resume - 1] + 1, urgent_kw))
                    break
        return hits


def leaves_in_order(hits: Sequence[KeywordHit]) -> list[CategoryLeaf]:
    """Distinct leaves by first appearance."""
    seen: dict[str, CategoryLeaf] = {}
    for hit in hits:
        seen.setdefault(hit.leaf.code, hit.leaf)
    return list(seen.values())
