"""The one search interface every backend implements, and the parts they share.

A backend only has to run a :class:`~search.text.QueryPlan` with filters and return a page;
query understanding, filter validation, promoted results, paging and snippets live here so
that the embedded engine and Elasticsearch behave the same for residents.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..documents import KINDS, SearchDocument
from ..synonyms import SynonymSet
from ..text import Analyzer, QueryPlan, fold_same_length, highlight, match_spans, normalize

#: Facets a search returns and filters it accepts.
FACET_FIELDS = ("kind", "category", "department", "online")
MAX_PAGE_SIZE = 100
SNIPPET_CHARS = 96

#: A callback for long indexing work: ``progress(done, total)``.
Progress = Callable[[int, int], None]
Filters = dict[str, tuple[str, ...]]


class SearchError(Exception):
    """A search request that cannot be run; ``code`` is stable, ``message`` says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SearchHit:
    code: str
    kind: str
    title: str
    snippet: str
    url: str
    score: float
    category: str | None = None
    department: str | None = None
    online: bool = False
    promoted: bool = False


@dataclass(frozen=True)
class SearchResult:
    """One page of results. ``facets`` maps a facet field to ``{value: count}`` (count desc).

    Facet counts are disjunctive: each facet is counted with every filter applied except its
    own, so a resident who picked one category still sees how many results the others have.
    """

    query: str
    hits: list[SearchHit]
    total: int
    page: int
    page_size: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    corrected_query: str | None = None

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages


@dataclass(frozen=True)
class Suggestion:
    """A completion: the text to show and the document it leads to."""

    text: str
    code: str
    kind: str
    url: str


@dataclass(frozen=True)
class Page:
    """What a backend returns for one query: scored documents, the total and facet counts."""

    docs: list[tuple[SearchDocument, float, str | None]]
    total: int
    facets: dict[str, dict[str, int]]


def online_value(value: Any) -> str:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes", "是"}:
            return "true"
        if lowered in {"false", "0", "no", "否"}:
            return "false"
        raise SearchError("invalid_filter", f"online 筛选只能是 true 或 false，收到 {value!r}")
    return "true" if value else "false"


def normalize_filters(kinds: Iterable[str] | None, filters: Mapping[str, Any] | None) -> Filters:
    """Validate filters and turn each into a tuple of string values (OR within a field)."""
    result: Filters = {}
    if kinds:
        kinds = tuple(dict.fromkeys(kinds))
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise SearchError("invalid_kind", f"未知的类型 {unknown}，可选：{', '.join(KINDS)}")
        result["kind"] = kinds
    for name, value in (filters or {}).items():
        if name not in FACET_FIELDS:
            raise SearchError("invalid_filter", f"不支持按 {name!r} 筛选，可选：{', '.join(FACET_FIELDS)}")
        if value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        if name == "online":
            strings = tuple(dict.fromkeys(online_value(v) for v in values))
        else:
            strings = tuple(dict.fromkeys(str(v) for v in values))
        if name == "kind" and "kind" in result:
            strings = tuple(v for v in strings if v in result["kind"])
        result[name] = strings
    return result


def doc_facet_values(doc: SearchDocument) -> dict[str, str | None]:
    return {
        "kind": doc.kind,
        "category": doc.category,
        "department": doc.department,
        "online": "true" if doc.online else "false",
    }


def matches_filters(doc: SearchDocument, filters: Filters) -> bool:
    values = doc_facet_values(doc)
    return all(values[name] in allowed for name, allowed in filters.items())


def build_snippet(
    doc: SearchDocument, terms: Sequence[str], max_chars: int = SNIPPET_CHARS, plain: bool = False
) -> str:
    """The summary, or the first body paragraph that shows the most of the query, with matches marked.

    A paragraph scores the lengths of the distinct terms it shows (overlapping matches count
    for the longest term only). Which terms a paragraph contains at all bounds that score from
    above and costs a substring test per term, so exact matching runs only on paragraphs
    that could still win. *plain* says the document needs no folding (see
    :func:`search.text.needs_folding`), so the paragraphs are only lowercased.
    """
    paragraphs = (doc.summary, *doc.body)
    wanted = {term for term in terms if term}
    folded = [fold_same_length(text, plain) for text in paragraphs]
    bounds = [sum(len(term) for term in wanted if term in text) for text in folded]
    best, best_score = None, 0
    for index in sorted(range(len(paragraphs)), key=lambda i: (-bounds[i], i)):
        if bounds[index] == 0 or bounds[index] < best_score:
            break  # no paragraph left can reach the best score
        if bounds[index] == best_score and index > best:
            continue  # at most a tie, and a tie goes to the earlier paragraph
        score = sum(len(term) for term in {span[2] for span in match_spans(paragraphs[index], terms, folded[index])})
        if score > best_score or (score == best_score and score and index < best):
            best, best_score = index, score
    if best is None:
        return highlight(doc.summary or next(iter(doc.body), ""), terms, max_chars=max_chars)[0]
    return highlight(paragraphs[best], terms, max_chars=max_chars, folded=folded[best])[0]


class SearchBackend(ABC):
    """Index, delete, search and suggest over service items and policies.

    Synonyms (groups of equivalent terms, or Solr-format lines) and promoted results
    (normalised query → codes pinned to the top) are plain inputs, so the CMS can own them.
    """

    name = "base"

    def __init__(
        self,
        *,
        synonyms: SynonymSet | Iterable[str | Sequence[str]] | None = None,
        promotions: Mapping[str, Sequence[str]] | None = None,
        extra_terms: Iterable[str] = (),
        analyzer: Analyzer | None = None,
    ) -> None:
        self.analyzer = analyzer or Analyzer(synonyms=synonyms, extra_terms=extra_terms)
        if analyzer is not None and synonyms is not None:
            self.analyzer.set_synonyms(synonyms)
        self._promotions: dict[str, tuple[str, ...]] = {}
        self.set_promotions(promotions or {})

    # -- configuration -------------------------------------------------------------------------

    def set_synonyms(self, synonyms: SynonymSet | Iterable[str | Sequence[str]]) -> None:
        """Use a new synonym list for queries; reindex so index-time segmentation knows it too."""
        self.analyzer.set_synonyms(synonyms)

    def set_promotions(self, promotions: Mapping[str, Sequence[str]]) -> None:
        """Pin documents to the top of page 1 for exact queries (after normalisation)."""
        self._promotions = {normalize(q): tuple(codes) for q, codes in promotions.items() if q.strip()}

    # -- the interface -------------------------------------------------------------------------

    @abstractmethod
    def index(self, docs: Iterable[SearchDocument], progress: Progress | None = None) -> int:
        """Add or replace documents (by code); returns how many were written."""

    def reindex(self, docs: Iterable[SearchDocument], progress: Progress | None = None) -> object:
        """Replace every document with *docs* (backends that can, swap them in atomically)."""
        self.clear()
        return self.index(docs, progress)

    @abstractmethod
    def delete(self, codes: Iterable[str]) -> int:
        """Remove documents by code; returns how many codes were asked for."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @abstractmethod
    def count(self) -> int:
        """Number of documents in the index."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Completions for what the resident has typed so far (Chinese, pinyin or initials)."""

    @abstractmethod
    def get(self, codes: Sequence[str]) -> list[SearchDocument]:
        """Documents by code, in the order asked, skipping unknown codes."""

    @abstractmethod
    def run(self, plan: QueryPlan, filters: Filters, offset: int, limit: int, exclude: Sequence[str]) -> Page:
        """Execute *plan*: one page of scored documents, the total and facet counts."""

    def search(
        self,
        query: str,
        kinds: Iterable[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> SearchResult:
        """Search service items and policies. An empty query lists everything that passes filters."""
        if page < 1:
            raise SearchError("invalid_page", "页码从 1 开始")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise SearchError("invalid_page_size", f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间")
        plan = self.analyzer.analyze(query or "")
        active = normalize_filters(kinds, filters)
        promoted = [doc for doc in self.get(self._promoted_codes(plan)) if matches_filters(doc, active)]
        start = (page - 1) * page_size
        promoted_on_page = promoted[start : start + page_size]
        main_offset = max(0, start - len(promoted))
        main_limit = page_size - len(promoted_on_page)
        if plan.is_empty and not plan.is_blank:
            found = Page(docs=[], total=0, facets={name: {} for name in FACET_FIELDS})
        else:
            found = self.run(plan, active, main_offset, main_limit, [d.code for d in promoted])
        terms = plan.highlight_terms
        hits = [self._hit(doc, 0.0, None, terms, promoted=True) for doc in promoted_on_page]
        hits += [self._hit(doc, score, snippet, terms) for doc, score, snippet in found.docs[:main_limit]]
        return SearchResult(
            query=query,
            hits=hits,
            total=found.total + len(promoted),
            page=page,
            page_size=page_size,
            facets=found.facets,
            corrected_query=plan.corrected_query,
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _promoted_codes(self, plan: QueryPlan) -> list[str]:
        codes = self._promotions.get(plan.normalized) or self._promotions.get(plan.rewritten) or ()
        return list(dict.fromkeys(codes))

    @staticmethod
    def _hit(
        doc: SearchDocument, score: float, snippet: str | None, terms: Sequence[str], promoted: bool = False
    ) -> SearchHit:
        return SearchHit(
            code=doc.code,
            kind=doc.kind,
            title=doc.title,
            snippet=snippet if snippet is not None else build_snippet(doc, terms),
            url=doc.url,
            score=round(float(score), 4),
            category=doc.category,
            department=doc.department,
            online=doc.online,
            promoted=promoted,
        )
