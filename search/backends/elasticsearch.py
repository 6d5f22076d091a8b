"""Elasticsearch backend (elasticsearch-dsl) for when one machine is not enough.

The analyzer is a setting: ``cjk`` (built in, bigrams) by default, ``ik_max_word``/``ik_smart``
or ``smartcn`` where the cluster has those plugins. Synonyms from the CMS feed a
``synonym_graph`` filter in the search analyzer; pinyin, initials, English and homophone
typos are resolved in Python by the same :class:`~search.text.Analyzer` as the embedded
backend, whose vocabulary travels with the index in the mapping's ``_meta``.

Reindexing is zero-downtime: a new concrete index is filled with bulk requests, then the
alias moves atomically and the old index is deleted. The mapping and query bodies are built
by plain functions (:func:`index_body`, :func:`search_body`, :func:`suggest_body`) so they
are unit-tested without a server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch_dsl import Boolean, Completion, Document, Index, Keyword, Object, Search, Text

from ..documents import SearchDocument
from ..synonyms import SynonymSet
from ..text import Analyzer, QueryPlan, normalize
from .base import (
    FACET_FIELDS,
    SNIPPET_CHARS,
    Filters,
    Page,
    Progress,
    SearchBackend,
    SearchError,
    SearchResult,
    Suggestion,
)

logger = logging.getLogger(__name__)

META_VERSION = 1
BULK_CHUNK = 500
VOCABULARY_TTL = 60.0
TIE_BREAKER = 0.2
#: Field boosts, the same as the embedded backend's.
TEXT_FIELDS = {"title": 3.0, "keywords": 2.5, "summary": 1.2, "body": 0.6}
FALLBACK_BOOST = 0.3
TITLE_SUGGEST_WEIGHT = 10
KEYWORD_SUGGEST_WEIGHT = 5


@dataclass(frozen=True)
class AnalyzerSpec:
    """How to index and search Chinese with one analysis option."""

    index: dict[str, Any]
    search_tokenizer: str
    search_filters: tuple[str, ...]
    plugin: str | None = None


#: ``ELASTICSEARCH_ANALYZER`` values. ``cjk`` needs nothing installed.
ANALYZERS: dict[str, AnalyzerSpec] = {
    "cjk": AnalyzerSpec(
        index={"type": "cjk"},
        search_tokenizer="standard",
        search_filters=("cjk_width", "lowercase", "cjk_bigram"),
    ),
    "ik_max_word": AnalyzerSpec(
        index={"type": "custom", "tokenizer": "ik_max_word", "filter": ["lowercase"]},
        search_tokenizer="ik_smart",
        search_filters=("lowercase",),
        plugin="analysis-ik",
    ),
    "ik_smart": AnalyzerSpec(
        index={"type": "custom", "tokenizer": "ik_smart", "filter": ["lowercase"]},
        search_tokenizer="ik_smart",
        search_filters=("lowercase",),
        plugin="analysis-ik",
    ),
    "smartcn": AnalyzerSpec(
        index={"type": "custom", "tokenizer": "smartcn_tokenizer", "filter": ["lowercase"]},
        search_tokenizer="smartcn_tokenizer",
        search_filters=("lowercase",),
        plugin="analysis-smartcn",
    ),
}


class SearchEntry(Document):
    """One service item or policy. Analyzer names are resolved by the index settings."""

    code = Keyword()
    kind = Keyword()
    category = Keyword()
    department = Keyword()
    online = Boolean()
    title = Text(analyzer="zh_index", search_analyzer="zh_search", fields={"raw": Keyword()})
    keywords = Text(analyzer="zh_index", search_analyzer="zh_search")
    summary = Text(analyzer="zh_index", search_analyzer="zh_search")
    body = Text(analyzer="zh_index", search_analyzer="zh_search")
    url = Keyword(index=False)
    suggest = Completion(analyzer="zh_suggest", search_analyzer="zh_suggest", preserve_separators=False)
    suggest_entries = Object(enabled=False)
    extra = Object(enabled=False)


def analyzer_spec(name: str) -> AnalyzerSpec:
    try:
        return ANALYZERS[name]
    except KeyError:
        raise SearchError(
            "unknown_analyzer",
            f"ELASTICSEARCH_ANALYZER={name!r} 不受支持，可选：{', '.join(ANALYZERS)}（默认 cjk 无需插件）",
        ) from None


def analysis_settings(analyzer_name: str, synonyms: SynonymSet | None) -> dict[str, Any]:
    """The ``analysis`` block: index analyzer, synonym-aware search analyzer, completion analyzer."""
    spec = analyzer_spec(analyzer_name)
    search_filters = list(spec.search_filters)
    filters: dict[str, Any] = {}
    lines = synonyms.to_solr() if synonyms else []
    if lines:
        filters["zh_synonyms"] = {"type": "synonym_graph", "synonyms": lines, "lenient": True}
        search_filters.append("zh_synonyms")
    settings: dict[str, Any] = {
        "analyzer": {
            "zh_index": dict(spec.index),
            "zh_search": {"type": "custom", "tokenizer": spec.search_tokenizer, "filter": search_filters},
            "zh_suggest": {"type": "custom", "tokenizer": "keyword", "filter": ["cjk_width", "lowercase"]},
        }
    }
    if filters:
        settings["filter"] = filters
    return settings


def build_index(name: str, analyzer_name: str, synonyms: SynonymSet | None, meta: Mapping[str, Any]) -> Index:
    """The elasticsearch-dsl :class:`Index` for one concrete index name."""
    index = Index(name)
    index.settings(number_of_shards=1, analysis=analysis_settings(analyzer_name, synonyms))
    index.document(SearchEntry)
    index.get_or_create_mapping().meta("_meta", dict(meta))
    return index


def index_body(
    analyzer_name: str, synonyms: SynonymSet | None, meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Settings and mappings sent when a concrete index is created."""
    return build_index("unused", analyzer_name, synonyms, meta or {}).to_dict()


def vocabulary_meta(analyzer: Analyzer) -> dict[str, Any]:
    """What another process needs to understand queries like this one: user words and vocabulary."""
    return {
        "version": META_VERSION,
        "user_words": sorted(analyzer.segmenter.user_words),
        "vocabulary": dict(analyzer.vocabulary),
    }


def document_source(doc: SearchDocument) -> dict[str, Any]:
    """The ``_source`` of one document, with completion inputs in Chinese, pinyin and initials."""
    entries = []
    inputs = []
    for text, weight in [(doc.title, TITLE_SUGGEST_WEIGHT)] + [(k, KEYWORD_SUGGEST_WEIGHT) for k in doc.keywords]:
        keys = [k for k in dict.fromkeys(Analyzer.suggestion_keys(text)) if k]
        entries.append({"text": text, "keys": keys})
        inputs.append({"input": keys, "weight": weight})
    return {
        "code": doc.code,
        "kind": doc.kind,
        "category": doc.category,
        "department": doc.department,
        "online": doc.online,
        "title": doc.title,
        "keywords": list(doc.keywords),
        "summary": doc.summary,
        "body": doc.searchable_body(),
        "url": doc.url,
        "suggest": inputs,
        "suggest_entries": entries,
        "extra": {**dict(doc.extra), "_body": list(doc.body)},
    }


def document_from_source(source: Mapping[str, Any]) -> SearchDocument:
    extra = dict(source.get("extra") or {})
    body = extra.pop("_body", source.get("body") or [])
    return SearchDocument(
        code=source["code"],
        kind=source["kind"],
        title=source["title"],
        url=source.get("url") or "",
        summary=source.get("summary") or "",
        body=tuple(body),
        keywords=tuple(source.get("keywords") or ()),
        category=source.get("category"),
        department=source.get("department"),
        online=bool(source.get("online")),
        extra=extra,
    )


def _filter_clause(name: str, values: Sequence[str]) -> dict[str, Any]:
    if name == "online":
        return {"terms": {"online": [v == "true" for v in values]}}
    return {"terms": {name: list(values)}}


def _fields() -> list[str]:
    return [f"{name}^{boost}" for name, boost in TEXT_FIELDS.items()]


def search_body(
    plan: QueryPlan,
    filters: Filters,
    offset: int,
    limit: int,
    exclude: Sequence[str] = (),
    *,
    query_synonyms: bool = False,
) -> dict[str, Any]:
    """The request body for one page.

    Each concept becomes a ``dis_max`` of phrase matches over the text fields; synonyms are
    left to the ``synonym_graph`` search analyzer unless *query_synonyms* is set. Filters go
    into ``post_filter`` and every facet aggregation applies all filters but its own, so facet
    counts match the embedded backend's (disjunctive facets).
    """
    should: list[dict[str, Any]] = []
    for concept in plan.concepts:
        options = [
            {"multi_match": {"query": term, "type": "phrase", "fields": _fields(), "boost": round(weight, 3)}}
            for term, weight in concept.terms(include_synonyms=query_synonyms)
        ]
        should.append({"dis_max": {"queries": options, "tie_breaker": TIE_BREAKER, "boost": concept.weight}})
    if plan.bigrams and plan.concepts:
        fallback = " ".join(c.term for c in plan.concepts)
        should.append(
            {"multi_match": {"query": fallback, "fields": _fields(), "operator": "or", "boost": FALLBACK_BOOST}}
        )
    text_query: dict[str, Any] = (
        {"bool": {"should": should, "minimum_should_match": 1}} if should else {"match_all": {}}
    )
    query: dict[str, Any] = {"bool": {"must": [text_query]}}
    if exclude:
        query["bool"]["must_not"] = [{"terms": {"code": list(exclude)}}]

    aggs: dict[str, Any] = {}
    for name in FACET_FIELDS:
        others = [_filter_clause(n, v) for n, v in filters.items() if n != name]
        terms = {"terms": {"field": name, "size": 200}}
        aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": terms}}
    body: dict[str, Any] = {
        "query": query,
        "aggs": aggs,
        "from": offset,
        "size": limit,
        "track_total_hits": True,
        "highlight": {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
            "fields": {
                "summary": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1, "no_match_size": SNIPPET_CHARS},
                "body": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1},
            },
        },
    }
    if filters:
        body["post_filter"] = {"bool": {"filter": [_filter_clause(n, v) for n, v in filters.items()]}}
    return body


def suggest_body(prefix: str, limit: int) -> dict[str, Any]:
    """A completion-suggester request (prefix folded like the inputs; pinyin without spaces).

    Elasticsearch returns at most one completion per document (its best-matching input), where
    the embedded backend lists every matching title and keyword.
    """
    key = normalize(prefix)
    if key and all(ch.isascii() for ch in key):
        key = key.replace(" ", "").replace("'", "")
    return {
        "size": 0,
        "_source": ["code", "kind", "url", "suggest_entries"],
        "suggest": {
            "completion": {
                "prefix": key,
                "completion": {"field": "suggest", "size": max(1, limit), "skip_duplicates": True},
            }
        },
    }


def facets_from_aggregations(aggregations: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        buckets = aggregations.get(name, {}).get("values", {}).get("buckets", [])
        facets[name] = {str(b.get("key_as_string", b["key"])): int(b["doc_count"]) for b in buckets}
    return facets


def suggestions_from_response(response: Mapping[str, Any], limit: int) -> list[Suggestion]:
    results: list[Suggestion] = []
    seen: set[str] = set()
    for option in response.get("suggest", {}).get("completion", [{}])[0].get("options", []):
        source = option.get("_source", {})
        matched = option.get("text", "")
        text = next(
            (e["text"] for e in source.get("suggest_entries", []) if matched in e.get("keys", [])),
            matched,
        )
        if text in seen:
            continue
        seen.add(text)
        results.append(Suggestion(text=text, code=source["code"], kind=source["kind"], url=source.get("url", "")))
        if len(results) >= limit:
            break
    return results


class ElasticsearchBackend(SearchBackend):
    """Service items and policies in one Elasticsearch index behind the alias ``<prefix>-search``."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str | None = None,
        *,
        analyzer_name: str = "cjk",
        prefix: str = "governance",
        client: Any = None,
        synonyms: SynonymSet | Iterable[str | Sequence[str]] | None = None,
        promotions: Mapping[str, Sequence[str]] | None = None,
        extra_terms: Iterable[str] = (),
        analyzer: Analyzer | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        super().__init__(synonyms=synonyms, promotions=promotions, extra_terms=extra_terms, analyzer=analyzer)
        analyzer_spec(analyzer_name)
        if client is None:
            if not url:
                raise SearchError(
                    "elasticsearch_not_configured", "未设置 ELASTICSEARCH_URL，无法使用 Elasticsearch 搜索"
                )
            from elasticsearch import Elasticsearch

            client = Elasticsearch(url, request_timeout=request_timeout)
        self.client = client
        self.analyzer_name = analyzer_name
        self.alias = f"{prefix}-search"
        self._vocabulary_loaded_at: float | None = None

    # -- index management ------------------------------------------------------------------------

    def new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _create(self, name: str) -> None:
        build_index(name, self.analyzer_name, self.analyzer.synonyms, vocabulary_meta(self.analyzer)).create(
            using=self.client
        )

    def _concrete_indices(self) -> list[str]:
        if not self.client.indices.exists_alias(name=self.alias):
            return []
        return sorted(self.client.indices.get_alias(name=self.alias).keys())

    def ensure_index(self) -> str:
        """Create the first concrete index and point the alias at it, if there is none yet."""
        existing = self._concrete_indices()
        if existing:
            return existing[-1]
        name = self.new_index_name()
        self._create(name)
        self.client.indices.put_alias(index=name, name=self.alias)
        return name

    def _actions(self, docs: Sequence[SearchDocument], index: str) -> Iterator[dict[str, Any]]:
        for doc in docs:
            yield {"_op_type": "index", "_index": index, "_id": doc.code, "_source": document_source(doc)}

    def _bulk(self, docs: Sequence[SearchDocument], index: str, progress: Progress | None) -> int:
        from elasticsearch.helpers import streaming_bulk

        done = 0
        failures: list[Any] = []
        for ok, item in streaming_bulk(
            self.client, self._actions(docs, index), chunk_size=BULK_CHUNK, raise_on_error=False
        ):
            done += 1
            if not ok:
                failures.append(item)
            if progress and (done % BULK_CHUNK == 0 or done == len(docs)):
                progress(done, len(docs))
        if failures:
            raise SearchError("bulk_failed", f"{len(failures)} 篇文档写入 Elasticsearch 失败，第一条：{failures[0]}")
        return done

    def _save_vocabulary(self) -> None:
        self.client.indices.put_mapping(index=self.alias, meta=vocabulary_meta(self.analyzer))
        self._vocabulary_loaded_at = time.monotonic()

    def index(self, docs: Iterable[SearchDocument], progress: Progress | None = None) -> int:
        docs = list({doc.code: doc for doc in docs}.values())
        if not docs:
            return 0
        self._load_vocabulary()
        target = self.ensure_index()
        self.analyzer.learn(docs)
        written = self._bulk(docs, target, progress)
        self._save_vocabulary()
        self.client.indices.refresh(index=self.alias)
        return written

    def reindex(self, docs: Iterable[SearchDocument], progress: Progress | None = None) -> str:
        """Rebuild from scratch with no downtime: new index, bulk, refresh, swap alias, drop old."""
        docs = list({doc.code: doc for doc in docs}.values())
        self.analyzer.vocabulary.clear()
        self.analyzer.learn(docs)
        name = self.new_index_name()
        self._create(name)
        try:
            self._bulk(docs, name, progress)
            self.client.indices.refresh(index=name)
        except Exception:
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        old = self._concrete_indices()
        actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        self._vocabulary_loaded_at = time.monotonic()
        logger.info("搜索索引已重建：%s（%d 篇），旧索引 %s 已删除", name, len(docs), old)
        return name

    def delete(self, codes: Iterable[str]) -> int:
        from elasticsearch.helpers import bulk

        codes = list(dict.fromkeys(codes))
        if not codes or not self._concrete_indices():
            return 0
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": code} for code in codes]
        bulk(self.client, actions, raise_on_error=False)
        self.client.indices.refresh(index=self.alias)
        return len(codes)

    def clear(self) -> None:
        if self._concrete_indices():
            self.client.delete_by_query(index=self.alias, query={"match_all": {}}, refresh=True, conflicts="proceed")

    def drop(self) -> None:
        """Delete the alias and every index behind it (tests, decommissioning)."""
        for index in self._concrete_indices():
            self.client.indices.delete(index=index, ignore_unavailable=True)

    def count(self) -> int:
        if not self._concrete_indices():
            return 0
        return int(self.client.count(index=self.alias)["count"])

    # -- reading ---------------------------------------------------------------------------------

    def _load_vocabulary(self) -> None:
        now = time.monotonic()
        if self._vocabulary_loaded_at is not None and now - self._vocabulary_loaded_at < VOCABULARY_TTL:
            return
        self._vocabulary_loaded_at = now
        if not self._concrete_indices():
            return
        mappings = self.client.indices.get_mapping(index=self.alias)
        for _index, mapping in sorted(mappings.items()):
            meta = (mapping.get("mappings") or {}).get("_meta") or {}
            if meta.get("version") == META_VERSION:
                self.analyzer.load_vocabulary(meta.get("vocabulary") or {}, meta.get("user_words") or [])
                self.analyzer.warm_up()

    def get(self, codes: Sequence[str]) -> list[SearchDocument]:
        if not codes or not self._concrete_indices():
            return []
        response = self.client.mget(index=self.alias, ids=list(codes))
        found = {d["_id"]: document_from_source(d["_source"]) for d in response["docs"] if d.get("found")}
        return [found[code] for code in codes if code in found]

    def search(
        self,
        query: str,
        kinds: Iterable[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> SearchResult:
        self._load_vocabulary()
        return super().search(query, kinds=kinds, filters=filters, page=page, page_size=page_size)

    def run(self, plan: QueryPlan, filters: Filters, offset: int, limit: int, exclude: Sequence[str]) -> Page:
        if not self._concrete_indices():
            raise SearchError("index_missing", f"Elasticsearch 中没有索引 {self.alias}，请先重建搜索索引")
        body = search_body(plan, filters, offset, limit, exclude)
        response = Search(using=self.client, index=self.alias).update_from_dict(body).execute().to_dict()
        docs = []
        for hit in response["hits"]["hits"]:
            fragments = hit.get("highlight", {})
            summary = next(iter(fragments.get("summary", [])), None)
            body_fragment = next(iter(fragments.get("body", [])), None)
            snippet = summary if summary and "<mark>" in summary else body_fragment or summary
            docs.append((document_from_source(hit["_source"]), float(hit.get("_score") or 0.0), snippet))
        total = response["hits"]["total"]["value"]
        return Page(docs=docs, total=int(total), facets=facets_from_aggregations(response.get("aggregations", {})))

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        if not normalize(prefix) or not self._concrete_indices():
            return []
        search = Search(using=self.client, index=self.alias).update_from_dict(suggest_body(prefix, limit))
        return suggestions_from_response(search.execute().to_dict(), limit)
