"""Benchmark the embedded search: tantivy (shipped) against an SQLite FTS5 prototype.

Both engines index the same jieba tokens from :class:`search.text.Analyzer` and run the same
query plans, so the comparison isolates the engine. Corpora: the 86 reference documents and
20,000 generated ones (reference paragraphs recombined). Prints the Markdown section; ``--write``
replaces only the "搜索 (search)" section of BENCHMARKS.md.

    .venv/bin/python tests/bench/bench_search.py [--docs 20000] [--repeat 5] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.backends.base import FACET_FIELDS, Filters, Page, SearchBackend, doc_facet_values  # noqa: E402
from search.backends.embedded import BIGRAM_FIELDS, WORD_FIELDS, EmbeddedBackend  # noqa: E402
from search.documents import SearchDocument, load_category_terms, load_reference_documents  # noqa: E402
from search.evaluate import DEFAULT_EVAL_FILE, evaluate, load_eval_file  # noqa: E402
from search.text import QueryPlan  # noqa: E402
from tests.bench.common import write_section  # noqa: E402

DATA = ROOT / "data" / "jinan"
SECTION = "## 搜索 (search)"
EXTRA_QUERIES = ["gjj", "shebaoka", "sbk", "passport", "ID card", "醫療保險斷繳", "社保卡丢了咋补", "dibao"]


class Fts5Backend(SearchBackend):
    """Measurement prototype only: the same plans run on SQLite FTS5 (not shipped)."""

    name = "fts5"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.db = sqlite3.connect(":memory:")
        columns = ", ".join([*WORD_FIELDS, *BIGRAM_FIELDS])
        self.db.execute(f"CREATE VIRTUAL TABLE fts USING fts5({columns}, tokenize='unicode61')")
        self.db.execute(
            "CREATE TABLE docs (id INTEGER PRIMARY KEY, code TEXT UNIQUE, kind TEXT, category TEXT,"
            " department TEXT, online TEXT, doc BLOB)"
        )
        for name in FACET_FIELDS:
            self.db.execute(f"CREATE INDEX docs_{name} ON docs ({name})")
        self._docs: dict[int, SearchDocument] = {}

    def index(self, docs, progress=None) -> int:
        docs = list(docs)
        self.analyzer.learn(docs)
        for doc in docs:
            tokens = self.analyzer.index_tokens
            row = (
                " ".join(tokens(doc.title)),
                " ".join(t for k in doc.keywords for t in tokens(k)),
                " ".join(tokens(doc.summary)),
                " ".join(t for p in doc.searchable_body() for t in tokens(p)),
                " ".join(g for p in (doc.title, *doc.keywords) for g in self.analyzer.index_bigrams(p)),
                " ".join(g for p in (doc.summary, *doc.body) for g in self.analyzer.index_bigrams(p)),
            )
            values = doc_facet_values(doc)
            cursor = self.db.execute(
                "INSERT INTO docs (code, kind, category, department, online) VALUES (?, ?, ?, ?, ?)",
                (doc.code, *(values[n] for n in FACET_FIELDS)),
            )
            rowid = cursor.lastrowid
            self._docs[rowid] = doc
            self.db.execute(
                f"INSERT INTO fts (rowid, {', '.join([*WORD_FIELDS, *BIGRAM_FIELDS])}) VALUES (?,?,?,?,?,?,?)",
                (rowid, *row),
            )
        self.db.commit()
        return len(docs)

    def delete(self, codes) -> int:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def count(self) -> int:
        return len(self._docs)

    def suggest(self, prefix, limit=10):
        return []

    def get(self, codes):
        return []

    @staticmethod
    def _quote(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    def _match(self, plan: QueryPlan) -> str:
        words = "{" + " ".join(WORD_FIELDS) + "}"
        parts = []
        for concept in plan.concepts:
            alternatives = " OR ".join(self._quote(t) for t, _w in concept.terms())
            parts.append(f"{words}: ({alternatives})")
        if plan.bigrams:
            grams = " OR ".join(self._quote(g) for g in plan.bigrams)
            parts.append("{" + " ".join(BIGRAM_FIELDS) + "}: (" + grams + ")")
        return " OR ".join(parts)

    def run(self, plan: QueryPlan, filters: Filters, offset: int, limit: int, exclude: Sequence[str]) -> Page:
        weights = ", ".join(str(w) for w in [*WORD_FIELDS.values(), *BIGRAM_FIELDS.values()])
        where, params = [], []
        for name, values in filters.items():
            where.append(f"docs.{name} IN ({', '.join('?' * len(values))})")
            params += list(values)
        clause = (" AND " + " AND ".join(where)) if where else ""
        match = self._match(plan)
        rows = self.db.execute(
            f"SELECT docs.id, bm25(fts, {weights}) AS rank FROM fts JOIN docs ON docs.id = fts.rowid"
            f" WHERE fts MATCH ?{clause} ORDER BY rank LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        ).fetchall()
        total = self.db.execute(
            f"SELECT count(*) FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?{clause}", [match, *params]
        ).fetchone()[0]
        facets = {}
        for name in FACET_FIELDS:
            facets[name] = dict(
                self.db.execute(
                    f"SELECT docs.{name}, count(*) FROM fts JOIN docs ON docs.id = fts.rowid"
                    f" WHERE fts MATCH ?{clause} AND docs.{name} IS NOT NULL GROUP BY docs.{name}",
                    [match, *params],
                ).fetchall()
            )
        return Page(docs=[(self._docs[i], -r, None) for i, r in rows], total=total, facets=facets)


def generated_documents(reference: list[SearchDocument], count: int, seed: int = 7) -> list[SearchDocument]:
    """Plausible extra documents: reference titles, paragraphs and keywords recombined."""
    rng = random.Random(seed)
    places = ["泉城路街道", "大明湖街道", "解放路街道", "泉韵镇", "历下区", "千佛山社区", "燕山社区"]
    actions = ["", "变更", "注销", "查询", "补办", "延续", "年审", "预约"]
    services = [d for d in reference if d.kind == "service"]
    out = []
    for i in range(count):
        base = rng.choice(services)
        donors = rng.sample(services, 3)
        paragraphs = [p for d in (base, *donors) for p in d.body]
        out.append(
            SearchDocument(
                code=f"gen-{i:05d}",
                kind="service" if i % 10 else "policy",
                title=f"{rng.choice(places)}{base.title}{rng.choice(actions)}",
                url=f"/gen/{i}/",
                summary=rng.choice([base.summary, donors[0].summary]),
                body=tuple(rng.sample(paragraphs, min(8, len(paragraphs)))),
                keywords=tuple(rng.sample(list(base.keywords) + list(donors[1].keywords), 4)),
                category=base.category,
                department=base.department,
                online=rng.random() < 0.7,
            )
        )
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_queries(call: Callable[[str], object], queries: list[str], repeat: int) -> tuple[float, float]:
    for query in queries:
        call(query)  # warm caches (pinyin index, segmenter)
    samples = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            call(query)
            samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.95)


def measure(docs_extra: int, repeat: int) -> str:
    """Run every measurement and return the BENCHMARKS.md section as Markdown."""
    reference = load_reference_documents(DATA)
    categories = load_category_terms(DATA)
    items = load_eval_file(DEFAULT_EVAL_FILE)
    queries = [item["q"] for item in items] + EXTRA_QUERIES
    cpu = platform.processor() or platform.machine()
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} with `tests/bench/bench_search.py` on {os.cpu_count()} CPU "
        f"({cpu}, {platform.system()} {platform.release()}), Python {platform.python_version()}, "
        f"tantivy {version('tantivy')}, rjieba {version('rjieba')}. {len(queries)} queries (the dev set plus pinyin,"
        f" English and traditional ones) x {repeat}. *search* is the whole `search()` call (query analysis,"
        " engine, facets, snippets); *engine* runs a prepared plan with facets. Generated documents recombine"
        " reference paragraphs.",
        "",
        "| engine | docs | index s | search p50 ms | search p95 ms | engine p50 ms | engine p95 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    quality = {}
    for label, factory in (("tantivy (shipped)", EmbeddedBackend), ("SQLite FTS5 (prototype)", Fts5Backend)):
        for size in (len(reference), len(reference) + docs_extra):
            docs = reference + generated_documents(reference, size - len(reference))
            backend = factory(extra_terms=categories)
            started = time.perf_counter()
            backend.index(docs)
            indexed = time.perf_counter() - started
            plans = {q: backend.analyzer.analyze(q) for q in queries}
            p50, p95 = time_queries(lambda q, b=backend: b.search(q), queries, repeat)
            e50, e95 = time_queries(lambda q, b=backend, p=plans: b.run(p[q], {}, 0, 10, []), queries, repeat)
            lines.append(f"| {label} | {size} | {indexed:.2f} | {p50:.2f} | {p95:.2f} | {e50:.2f} | {e95:.2f} |")
            if size == len(reference):
                quality[label] = evaluate(backend, items)[0]
    lines += [
        "",
        "Dev set (`make search-eval`, 40 queries, 86 reference documents):",
        "",
        "| engine | Recall@1 | Recall@5 | MRR@10 | nDCG@10 | Hit@1 | Hit@5 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, totals in quality.items():
        lines.append(
            f"| {label} | {totals['recall@1']:.3f} | {totals['recall@5']:.3f} | {totals['mrr@10']:.3f} |"
            f" {totals['ndcg@10']:.3f} | {totals['hit@1']:.3f} | {totals['hit@5']:.3f} |"
        )
    backend = EmbeddedBackend(extra_terms=categories)
    backend.index(reference)
    prefixes = ["gjj", "sb", "shebao", "社保", "低", "laonian"]
    s50, s95 = time_queries(lambda q: backend.suggest(q), prefixes, repeat * 20)
    lines += [
        "",
        f"Suggestions (86 documents, Chinese/pinyin/initials prefixes): p50 {s50:.3f} ms, p95 {s95:.3f} ms."
        f" Load average at the end of the run: {os.getloadavg()[0]:.1f} (a shared machine inflates p95).",
        "",
        "Choice: tantivy. Both engines run the same jieba tokens and plans and score alike on the dev set,"
        " but at 20,000 documents FTS5 is an order of magnitude slower (its OR over every concept and"
        " bigram, plus a GROUP BY per facet) while tantivy stays within a few milliseconds; tantivy also"
        " scores each concept as a disjunction-max over fields and synonyms, which FTS5 cannot express.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000, help="generated documents added to the reference 86")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update the 搜索 section of BENCHMARKS.md")
    args = parser.parse_args()
    text = measure(args.docs, args.repeat)
    print(text)
    if args.write:
        write_section(SECTION, text)
        print(f"已写入 {ROOT / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
