"""Benchmark of the read side in process, each line beside its reference measured in the same run.

* GraphQL lists: ``serviceItems(first: 20)`` (partner key) against the hand-written JSON view of
  the same data (``tests/bench/reference_views.py``) and a bare JsonResponse, all through
  Django's test client (middleware, routing, view, database; no socket). Requests of the three
  kinds are interleaved, so a busy neighbour on a shared machine slows all of them alike.
* Search at 20,000 documents: ``search.services.search`` (what the API and the resident pages
  call: configuration check, query analysis, engine, facets, snippets, query log) and the
  backend's ``search()`` against *raw tantivy*: the same analysed query's scoring part run
  straight on the tantivy searcher, top 10 with the total, the 10 stored documents decoded.
* ``--profile``: the top 10 functions (own time) of one GraphQL list request and one search,
  over many repetitions.

Run from the project root::

    python tests/bench/bench_reads.py [--profile] [--write]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_reads python tests/bench/bench_reads.py --write

A throwaway database (SQLite file, or a new database beside ``DATABASE_URL``) and index folder
are made and removed. ``--write`` keeps each database's figures in ``var/bench_reads.json`` and
replaces the "Reads" section of BENCHMARKS.md with the table of all of them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.common import machine, prepare_database, write_section  # noqa: E402

SECTION = "## Reads (GraphQL lists and search, in process)"
SERVICES_QUERY = """query Services($first: Int!) {
  serviceItems(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code title category summary online maxVisits timeLimitWorkingDays url
                   department { code name } } }
  }
}"""
SEARCH_QUERIES = ["低保", "社保卡丢了怎么补办", "gjj", "老年人优待证", "失业登记", "残疾人补贴", "户口迁移", "dibao"]


def populate(extra_docs: int) -> str:
    """Migrate, import the reference district, index it plus generated documents; returns a partner key."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from api.models import PartnerKey
    from cms.importing import import_reference
    from search import runtime
    from search.documents import load_reference_documents
    from search.services import rebuild_index
    from tests.bench.bench_search import generated_documents

    call_command("migrate", verbosity=0, interactive=False)
    import_reference(Path(settings.REFERENCE_DATA_DIR))
    rebuild_index()
    if extra_docs:
        reference = load_reference_documents(ROOT / "data" / "jinan")
        runtime.backend().index(generated_documents(reference, extra_docs))
    key = PartnerKey(name="bench-reader", partner="bench", rate_limit_per_minute=1_000_000)
    raw = key.issue()
    key.save()
    return raw


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(samples, 0.5) * 1000,
        "p95_ms": percentile(samples, 0.95) * 1000,
        "per_s": 1 / statistics.fmean(samples),
    }


# --------------------------------------------------------------------------- GraphQL lists


def list_calls(key: str) -> dict:
    """name → a function making one request and checking its answer."""
    from django.test import Client

    from tests.bench.reference_views import BARE_PATH, SERVICES_PATH

    client = Client(HTTP_HOST="127.0.0.1")
    body = json.dumps({"query": SERVICES_QUERY, "variables": {"first": 20}})
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def graphql():
        response = client.post("/graphql/", body, content_type="application/json", **auth)
        return json.loads(response.content)

    def handwritten():
        return json.loads(client.get(SERVICES_PATH, {"first": 20}).content)

    def bare():
        return json.loads(client.get(BARE_PATH).content)

    expected = handwritten()
    answer = graphql()
    if answer != expected:
        raise SystemExit(f"GraphQL and the hand-written view disagree:\n{answer}\n{expected}")
    return {"graphql": graphql, "handwritten": handwritten, "bare": bare}


def interleaved(calls: dict, rounds: int, warmup: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for n in range(warmup + rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            if n >= warmup:
                samples[name].append(time.perf_counter() - started)
    return samples


# --------------------------------------------------------------------------- search


def search_calls() -> dict:
    import tantivy

    from search import runtime, services

    backend = runtime.backend()

    def raw(query: str):
        plan = backend.analyzer.analyze(query)
        searcher = backend._index.searcher()
        found = searcher.search(backend.text_query(plan), limit=10, count=True)
        return found.count, [json.loads(searcher.doc(address).get_first("doc")) for _s, address in found.hits]

    def engine(query: str):
        return backend.search(query)

    def full(query: str):
        return services.search(query)

    assert isinstance(backend._index, tantivy.Index)
    return {"search": full, "backend": engine, "raw": raw}


def search_samples(calls: dict, rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for query in SEARCH_QUERIES:
        for call in calls.values():
            call(query)
    for _ in range(rounds):
        for query in SEARCH_QUERIES:
            for name, call in calls.items():
                started = time.perf_counter()
                call(query)
                samples[name].append(time.perf_counter() - started)
    return samples


# --------------------------------------------------------------------------- profiles


def profile(call, repeat: int, limit: int = 10) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    head = next(line for line in lines if "function calls" in line).strip()
    return "\n".join([f"{repeat} calls; {head}", *lines[start:]])


# --------------------------------------------------------------------------- report


def render(runs: dict[str, dict]) -> str:
    first = next(iter(runs.values()))["info"]
    lines = [
        SECTION,
        "",
        f"Measured with `tests/bench/bench_reads.py` on {first['cpu']} ({first['cores']} CPU, {first['os']}), "
        f"Python {first['python']}, Django {first['django']}, graphene-django {first['graphene_django']}, "
        f"tantivy {first['tantivy']}. In process through Django's test client (`config.settings.dev`, DEBUG off, "
        "persistent connection, local-memory cache); the three request kinds interleaved, so a busy neighbour "
        "slows them alike. *ratio* is requests per second (1 / mean time) against the reference line of the "
        "same run. Search: the reference district plus 20,000 generated documents in the on-disk tantivy "
        "index; *raw tantivy* analyses the query and runs its scoring query straight on the searcher "
        "(top 10 with the total, the 10 stored documents decoded); *backend* adds promotions, disjunctive "
        "facets and snippets; *search* is `search.services.search` (configuration check and query log too).",
        "",
        "| database | date | load 1/5/15 | line | p50 ms | p95 ms | per s | ratio |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    labels = {
        "bare": ("bare JsonResponse", "bare"),
        "handwritten": ("hand-written JSON view of the same 20 services", "handwritten"),
        "graphql": ("`serviceItems(first: 20)` (partner key)", "handwritten"),
        "raw": ("raw tantivy", "raw"),
        "backend": ("backend `search()`", "raw"),
        "search": ("`services.search()`", "raw"),
    }
    for database, run in runs.items():
        figures = run["figures"]
        for name, (label, reference) in labels.items():
            row = figures[name]
            ratio = row["per_s"] / figures[reference]["per_s"]
            lines.append(
                f"| {database} | {run['info']['date']} | {run['info']['load']} | {label} | {row['p50_ms']:.2f} | "
                f"{row['p95_ms']:.2f} | {row['per_s']:.0f} | {ratio:.2f} |"
            )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="measured requests of each list kind")
    parser.add_argument("--search-rounds", type=int, default=20, help="passes over the search queries")
    parser.add_argument("--docs", type=int, default=20000, help="generated documents added to the index")
    parser.add_argument("--profile", action="store_true", help="print the top 10 functions of a list and a search")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a SQLite file")
    parser.add_argument("--write", action="store_true", help="replace the Reads section of BENCHMARKS.md")
    parser.add_argument("--results", default=str(ROOT / "var" / "bench_reads.json"))
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DB_CONN_MAX_AGE"] = "60"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("ELASTICSEARCH_URL", None)
    index_dir = tempfile.mkdtemp(prefix="bench_reads_index_")
    os.environ["SEARCH_INDEX_DIR"] = index_dir
    url, drop = prepare_database(args.database_url, "bench_reads")
    os.environ["DATABASE_URL"] = url
    try:
        print("准备数据库和索引（迁移、导入参考数据、索引生成文档）…", flush=True)
        key = populate(args.docs)
        from django.conf import settings

        settings.ROOT_URLCONF = "tests.bench.reference_views"
        lists = list_calls(key)
        print("测量 GraphQL 列表 …", flush=True)
        samples = interleaved(lists, args.rounds, warmup=30)
        print("测量搜索 …", flush=True)
        searches = search_calls()
        samples.update(search_samples(searches, args.search_rounds))
        if args.profile:
            print("\n### Profile: one `serviceItems(first: 20)` request (own time, top 10)\n")
            print(profile(lists["graphql"], 200))
            print("\n### Profile: one `services.search()` at 20,086 documents (own time, top 10)\n")
            print(profile(lambda: [searches["search"](q) for q in SEARCH_QUERIES], 25))
    finally:
        from django.db import connections

        try:
            from search import querylog

            querylog.buffer.flush()  # the log rows of the run, before their database goes
        except ImportError:  # a checkout from before the query log was batched
            pass
        connections.close_all()
        drop()
        shutil.rmtree(index_dir, ignore_errors=True)

    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    info = {
        **machine(),
        "date": date.today().isoformat(),
        "load": load,
        "django": version("django"),
        "graphene_django": version("graphene-django"),
        "tantivy": version("tantivy"),
    }
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    run = {"info": info, "figures": {name: summary(values) for name, values in samples.items()}}
    text = render({database: run})
    print(text)
    if args.write:
        store = Path(args.results)
        runs = json.loads(store.read_text("utf-8")) if store.exists() else {}
        runs[database] = run
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(runs, ensure_ascii=False, indent=1), "utf-8")
        write_section(SECTION, render(runs))
        print("已写入 BENCHMARKS.md")


if __name__ == "__main__":
    main()
