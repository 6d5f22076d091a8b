"""The default search engine: tantivy in process, no server, in memory or in a folder.

Why tantivy and not SQLite FTS5 (``tests/bench/bench_search.py``, BENCHMARKS.md "搜索"): both
engines index the same jieba tokens and run the same query plans, and score the same on the
dev set (nDCG@10 0.968 vs 0.964). At 20,086 documents a whole ``search()`` takes p50 about 2 ms
on tantivy against 47–130 ms on FTS5 (2-CPU shared machine), because FTS5 must OR every
concept and bigram and run a GROUP BY per facet, where tantivy scores each concept as a
disjunction-max over fields and synonyms (which FTS5 cannot express: a concept with five
synonyms would outscore one with none) and counts facets with its aggregation collector.
FTS5 would save one dependency, nothing more.

Tokens are produced in Python by :class:`search.text.Analyzer` and stored space-separated in
fields that use tantivy's whitespace tokenizer, so index and query segmentation are the same
code for every backend.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import tantivy

from ..documents import SearchDocument
from ..suggest import SuggestionIndex
from ..synonyms import SynonymSet
from ..text import Analyzer, QueryPlan, needs_folding
from .base import FACET_FIELDS, Filters, Page, Progress, SearchBackend, Suggestion, build_snippet

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
WRITER_HEAP = 50_000_000
#: Field boosts: a word in the title says more about a document than one in its body.
WORD_FIELDS = {"title": 3.0, "keywords": 2.5, "summary": 1.2, "body": 0.6}
BIGRAM_FIELDS = {"title_bigrams": 0.5, "body_bigrams": 0.15}
TIE_BREAKER = 0.2
RELOAD_INTERVAL = 1.0


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("code", stored=True, tokenizer_name="raw")
    for name in FACET_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw")
    for name in (*WORD_FIELDS, *BIGRAM_FIELDS):
        builder.add_text_field(name, tokenizer_name="ws", index_option="freq")
    builder.add_text_field("doc", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


class EmbeddedBackend(SearchBackend):
    """tantivy + jieba. ``path=None`` keeps the index in memory (tests, evaluation)."""

    name = "embedded"

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        synonyms: SynonymSet | Iterable[str | Sequence[str]] | None = None,
        promotions: Mapping[str, Sequence[str]] | None = None,
        extra_terms: Iterable[str] = (),
        analyzer: Analyzer | None = None,
    ) -> None:
        super().__init__(synonyms=synonyms, promotions=promotions, extra_terms=extra_terms, analyzer=analyzer)
        self.path = Path(path) if path is not None else None
        self.needs_rebuild = False
        self._schema = _schema()
        self._lock = threading.Lock()
        self._suggestions = SuggestionIndex()
        self._index = self._open()
        self._last_reload = time.monotonic()
        self._known: dict[str, int] = {}
        #: Digests of the stored documents whose text needs no folding for highlighting (most).
        self._plain: set[int] = set()
        self._stamp = self._read_stamp()
        self._sync()

    # -- storage -------------------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        if self.path is None:
            index = tantivy.Index(self._schema)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            marker = self.path / "schema.json"
            version = json.loads(marker.read_text())["version"] if marker.exists() else None
            fresh = version is None and not any(self.path.glob("meta.json"))
            if version != SCHEMA_VERSION and not fresh:
                logger.warning(
                    "搜索索引 %s 的格式版本 %s 已过期（当前 %s），已清空，需要重建索引",
                    self.path,
                    version,
                    SCHEMA_VERSION,
                )
                for child in self.path.iterdir():
                    if child.is_file():
                        child.unlink()
                self.needs_rebuild = True
            index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
            marker.write_text(json.dumps({"version": SCHEMA_VERSION}))
        index.register_tokenizer("ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        return index

    def _read_stamp(self) -> Any:
        """The commit stamp of an on-disk index, to notice commits made by other processes."""
        if self.path is None:
            return None
        try:
            return json.loads((self.path / "meta.json").read_text()).get("opstamp")
        except (OSError, ValueError):
            return None

    def _sync(self) -> None:
        """Bring vocabulary and completions in line with the stored documents.

        Runs when an on-disk index is opened and when another process (say the task worker
        that indexes on publish) has committed; only new or changed documents are re-learnt.
        """
        searcher = self._index.searcher()
        seen: dict[str, int] = {}
        changed: list[SearchDocument] = []
        if searcher.num_docs:
            found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False)
            for _score, address in found.hits:
                raw = searcher.doc(address).get_first("doc")
                data = json.loads(raw)
                seen[data["code"]] = digest = hash(raw)
                if self._known.get(data["code"]) != digest:
                    doc = SearchDocument.from_dict(data)
                    changed.append(doc)
                    self._note_plain(digest, doc)
        if changed:
            self.analyzer.learn(changed)
            for doc in changed:
                self._suggestions.add(doc)
        for code in self._known.keys() - seen.keys():
            self._suggestions.remove(code)
        self._known = seen
        self._plain &= set(seen.values())
        if changed:
            self.analyzer.warm_up()

    @staticmethod
    def _load(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> SearchDocument:
        return SearchDocument.from_dict(json.loads(searcher.doc(address).get_first("doc")))

    def _note_plain(self, digest: int, doc: SearchDocument) -> None:
        if not any(needs_folding(text) for text in (doc.summary, *doc.body)):
            self._plain.add(digest)

    def _searcher(self) -> tantivy.Searcher:
        if self.path is not None and time.monotonic() - self._last_reload > RELOAD_INTERVAL:
            self._last_reload = time.monotonic()
            stamp = self._read_stamp()
            if stamp != self._stamp:
                with self._lock:
                    self._index.reload()
                    self._stamp = stamp
                    self._sync()
        return self._index.searcher()

    def _committed(self) -> None:
        self._index.reload()
        self._stamp = self._read_stamp()

    # -- writing -------------------------------------------------------------------------------

    def _tantivy_document(self, doc: SearchDocument) -> tantivy.Document:
        analyzer = self.analyzer
        out = tantivy.Document()
        out.add_text("code", doc.code)
        out.add_text("kind", doc.kind)
        if doc.category:
            out.add_text("category", doc.category)
        if doc.department:
            out.add_text("department", doc.department)
        out.add_text("online", "true" if doc.online else "false")
        texts = {
            "title": [doc.title],
            "keywords": list(doc.keywords),
            "summary": [doc.summary],
            "body": doc.searchable_body(),
        }
        for name, parts in texts.items():
            out.add_text(name, " ".join(t for part in parts for t in analyzer.index_tokens(part)))
        title_grams = [g for part in (doc.title, *doc.keywords) for g in analyzer.index_bigrams(part)]
        body_grams = [g for part in (doc.summary, *doc.body) for g in analyzer.index_bigrams(part)]
        out.add_text("title_bigrams", " ".join(title_grams))
        out.add_text("body_bigrams", " ".join(body_grams))
        out.add_text("doc", json.dumps(doc.to_dict(), ensure_ascii=False))
        return out

    def index(self, docs: Iterable[SearchDocument], progress: Progress | None = None) -> int:
        docs = list({doc.code: doc for doc in docs}.values())
        if not docs:
            return 0
        self.analyzer.learn(docs)
        with self._lock:
            writer = self._index.writer(WRITER_HEAP, 1)
            try:
                for done, doc in enumerate(docs, start=1):
                    writer.delete_documents_by_term("code", doc.code)
                    stored = self._tantivy_document(doc)
                    writer.add_document(stored)
                    self._known[doc.code] = digest = hash(stored.get_first("doc"))
                    self._note_plain(digest, doc)
                    self._suggestions.add(doc)
                    if progress and (done % 500 == 0 or done == len(docs)):
                        progress(done, len(docs))
                writer.commit()
            except Exception:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            self._committed()
        self.analyzer.warm_up()
        return len(docs)

    def reindex(self, docs: Iterable[SearchDocument], progress: Progress | None = None) -> int:
        """Replace every document in one commit, so readers see the old index or the new one."""
        docs = list({doc.code: doc for doc in docs}.values())
        self.analyzer.vocabulary.clear()
        self.analyzer.learn(docs)
        known: dict[str, int] = {}
        with self._lock:
            writer = self._index.writer(WRITER_HEAP, 1)
            try:
                writer.delete_all_documents()
                for done, doc in enumerate(docs, start=1):
                    stored = self._tantivy_document(doc)
                    writer.add_document(stored)
                    known[doc.code] = digest = hash(stored.get_first("doc"))
                    self._note_plain(digest, doc)
                    if progress and (done % 500 == 0 or done == len(docs)):
                        progress(done, len(docs))
                writer.commit()
            except Exception:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            self._committed()
            self._known = known
            self._plain &= set(known.values())
            self._suggestions.clear()
            for doc in docs:
                self._suggestions.add(doc)
        self.analyzer.warm_up()
        return len(docs)

    def delete(self, codes: Iterable[str]) -> int:
        codes = list(dict.fromkeys(codes))
        if not codes:
            return 0
        with self._lock:
            writer = self._index.writer(WRITER_HEAP, 1)
            try:
                for code in codes:
                    writer.delete_documents_by_term("code", code)
                    self._suggestions.remove(code)
                    self._known.pop(code, None)
                writer.commit()
            finally:
                writer.wait_merging_threads()
            self._committed()
        return len(codes)

    def clear(self) -> None:
        with self._lock:
            writer = self._index.writer(WRITER_HEAP, 1)
            try:
                writer.delete_all_documents()
                writer.commit()
            finally:
                writer.wait_merging_threads()
            self._committed()
            self._suggestions.clear()
            self._known.clear()
            self._plain.clear()

    def count(self) -> int:
        return self._searcher().num_docs

    # -- reading -------------------------------------------------------------------------------

    def get(self, codes: Sequence[str]) -> list[SearchDocument]:
        if not codes:
            return []
        searcher = self._searcher()
        query = tantivy.Query.term_set_query(self._schema, "code", list(codes))
        found = searcher.search(query, limit=len(codes), count=False)
        by_code = {doc.code: doc for doc in (self._load(searcher, a) for _s, a in found.hits)}
        return [by_code[code] for code in codes if code in by_code]

    def text_query(self, plan: QueryPlan) -> tantivy.Query:
        """The scoring part of a plan: per concept a disjunction-max over fields and alternatives."""
        schema = self._schema
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for concept in plan.concepts:
            options = [
                tantivy.Query.boost_query(tantivy.Query.term_query(schema, field, term), boost * weight)
                for term, weight in concept.terms()
                for field, boost in WORD_FIELDS.items()
            ]
            disjunction = tantivy.Query.disjunction_max_query(options, TIE_BREAKER)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(disjunction, concept.weight)))
        for field, boost in BIGRAM_FIELDS.items():
            if plan.bigrams:
                grams = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, g)) for g in plan.bigrams]
                clauses.append(
                    (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.boolean_query(grams), boost))
                )
        if not clauses:
            return tantivy.Query.all_query()
        return tantivy.Query.boolean_query(clauses)

    def _filter_clauses(self, filters: Filters, skip: str | None = None) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        clauses = []
        for name, values in filters.items():
            if name == skip:
                continue
            match = tantivy.Query.term_set_query(self._schema, name, list(values))
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(match, 0.0)))
        return clauses

    def _combine(self, text: tantivy.Query, filters: Filters, exclude: Sequence[str], skip: str | None = None):
        clauses = [(tantivy.Occur.Must, text), *self._filter_clauses(filters, skip)]
        if exclude:
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(self._schema, "code", list(exclude))))
        return tantivy.Query.boolean_query(clauses)

    def _facets(self, searcher: tantivy.Searcher, text: tantivy.Query, filters: Filters, exclude: Sequence[str]):
        def terms(name: str) -> dict[str, Any]:
            return {"terms": {"field": name, "size": 200}}

        def buckets(result: dict[str, Any], name: str) -> dict[str, int]:
            return {str(b["key"]): int(b["doc_count"]) for b in result.get(name, {}).get("buckets", [])}

        facets: dict[str, dict[str, int]] = {}
        shared = [name for name in FACET_FIELDS if name not in filters]
        if shared:
            result = searcher.aggregate(self._combine(text, filters, exclude), {n: terms(n) for n in shared})
            facets.update({name: buckets(result, name) for name in shared})
        for name in filters:
            result = searcher.aggregate(self._combine(text, filters, exclude, skip=name), {name: terms(name)})
            facets[name] = buckets(result, name)
        return {name: facets.get(name, {}) for name in FACET_FIELDS}

    def run(self, plan: QueryPlan, filters: Filters, offset: int, limit: int, exclude: Sequence[str]) -> Page:
        searcher = self._searcher()
        text = self.text_query(plan)
        query = self._combine(text, filters, exclude)
        found = searcher.search(query, limit=max(limit, 1), offset=offset, count=True)
        terms = plan.highlight_terms
        docs = []
        for score, address in found.hits[:limit]:
            raw = searcher.doc(address).get_first("doc")
            doc = SearchDocument.from_dict(json.loads(raw))
            docs.append((doc, score, build_snippet(doc, terms, plain=hash(raw) in self._plain)))
        return Page(docs=docs, total=found.count or 0, facets=self._facets(searcher, text, filters, exclude))

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        return self._suggestions.complete(prefix, limit)
