"""Benchmark of the resident pages: server time per page, in process, and the bytes of the home page.

Run from the project root::

    python tests/bench/bench_pages.py                  # throwaway SQLite file; prints the tables
    python tests/bench/bench_pages.py --write          # and replaces the "Resident pages" section of BENCHMARKS.md
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python tests/bench/bench_pages.py

Each page is requested through Django's test client (the whole middleware stack, URL routing, view,
templates and database; no socket, no browser), after migrating, importing the reference district
and indexing it for search in a throwaway database and index. ``config.settings.dev`` with DEBUG
off, persistent database connections and the local-memory cache, as one web process would run.
Nothing here asserts a time; the goals (p95 < 100 ms per page, home < 200 KB) are checked by eye.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.common import machine, prepare_database, write_section  # noqa: E402

SECTION = "## Resident pages"
GRID_ADDRESS = "历下区泉城路街道芙蓉街16号"  # data/jinan/regions.json, grid-furongli-02


@dataclass(frozen=True)
class PageCase:
    label: str
    path: str
    expect: str  # text the response must contain, so an error page is never timed


PAGES = [
    PageCase("home `/`", "/", "提交诉求"),
    PageCase("search `/search/?q=低保`", "/search/?" + urlencode({"q": "低保"}), "最低生活保障"),
    PageCase("suggest `/search/suggest/?q=dibao` (JSON)", "/search/suggest/?q=dibao", "低保"),
    PageCase("service guide `/services/svc-dibao-apply/`", "/services/svc-dibao-apply/", "最低生活保障申请"),
    PageCase("policy list `/policies/`", "/policies/", "政策"),
    PageCase("submit form `/submit/` (GET)", "/submit/", "诉求内容"),
    PageCase("track form `/track/` (GET)", "/track/", "工单号"),
    PageCase("grid lookup `/grid/?address=…`", "/grid/?" + urlencode({"address": GRID_ADDRESS}), "网格员"),
]


TRACK_RESULT = PageCase("track result `/track/` (a submitted case, after lookup)", "/track/", "办理进程")


def tracked_client():
    """A client whose session has proven one submitted case (the GET /track/ a resident reloads)."""
    from django.test import Client

    from cases.services import CaseSubmission, submit_case

    phone = "13800138000"
    submission = CaseSubmission(
        request_type="投诉",
        text="小区门口下水道堵塞，污水外溢，希望尽快疏通。",
        channel="web",
        address=GRID_ADDRESS,
        reporter_phone=phone,
        idempotency_key="bench-pages-track",
    )
    ticket = submit_case(submission).case.ticket_number
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/track/", {"ticket_number": ticket, "phone": phone})
    if response.status_code != 302:
        raise SystemExit(f"查询工单失败：{response.status_code} {response.content[:300]!r}")
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --------------------------------------------------------------------------- set-up


def populate() -> None:
    """Migrate, import the reference district and build its search index (the throwaway one)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from cms.importing import import_reference
    from search.services import rebuild_index

    call_command("migrate", verbosity=0, interactive=False)
    import_reference(Path(settings.REFERENCE_DATA_DIR))
    rebuild_index()


# --------------------------------------------------------------------------- server time


def measure(client, page: PageCase, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(page.path)
    body = response.content.decode("utf-8")
    if response.status_code != 200 or page.expect not in body:
        raise SystemExit(
            f"{page.path} 返回 {response.status_code}，且应包含“{page.expect}”：{body[:300]!r}；请先修好页面再测速。"
        )
    for _ in range(warmup):
        client.get(page.path)
    with CaptureQueriesContext(connection) as queries:
        client.get(page.path)
    query_count = len(queries)  # read now: the next request clears the connection's log
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(page.path)
        latencies.append(time.perf_counter() - started)
    return {
        "label": page.label,
        "requests": requests,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
        "queries": query_count,
        "html_bytes": len(response.content),
    }


# --------------------------------------------------------------------------- transferred bytes


class _Assets(HTMLParser):
    """Stylesheets and scripts a page links to (what a browser fetches before it can show the page)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.urls.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.urls.append(a["src"])


def home_weight(client) -> dict:
    """HTML as Django sends it (and gzip -6, as a proxy would) plus each linked static file (and gzip -9,
    the copy WhiteNoise serves); images and fonts are listed apart."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    html = client.get("/").content
    parser = _Assets()
    parser.feed(html.decode("utf-8"))
    rows = [{"file": "HTML `/`", "raw": len(html), "gzip": len(gzip.compress(html, 6))}]
    for url in parser.urls:
        if not url.startswith(settings.STATIC_URL):
            rows.append({"file": f"`{url}` (not a static file: not counted)", "raw": 0, "gzip": 0})
            continue
        found = finders.find(url[len(settings.STATIC_URL) :].split("?")[0])
        if not found:
            raise SystemExit(f"首页引用的 {url} 在静态文件中找不到")
        data = Path(found).read_bytes()
        rows.append({"file": f"`{url}`", "raw": len(data), "gzip": len(gzip.compress(data, 9))})
    images = sorted(set(re.findall(rb'<img[^>]+src="([^"]+)"', html)))
    return {
        "rows": rows,
        "raw": sum(r["raw"] for r in rows),
        "gzip": sum(r["gzip"] for r in rows),
        "images": [i.decode() for i in images],
    }


# --------------------------------------------------------------------------- report


def render(info: dict, results: list[dict], weight: dict) -> str:
    slowest = max(results, key=lambda r: r["p95_ms"])
    lines = [
        SECTION,
        "",
        f"Measured {info['date']} with `tests/bench/bench_pages.py` on {info['cpu']} ({info['cores']} CPU, "
        f"{info['os']}), Python {info['python']}, Django {info['django']}, Wagtail {info['wagtail']}, "
        f"{info['database']}. Server time in process through Django's test client (middleware, routing, view, "
        "templates, database; no socket), `config.settings.dev` with DEBUG off, persistent connection, "
        f"local-memory cache, the reference district imported and indexed; {info['requests']} requests per page "
        f"after {info['warmup']} warm-up requests, one after another. Goal: p95 < 100 ms per page.",
        "",
        "| page | p50 ms | p95 ms | max ms | queries | HTML bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} | {r['queries']} | "
            f"{r['html_bytes']:,} |"
        )
    lines += [
        "",
        "Home page transferred bytes (HTML plus the stylesheets and scripts it links; goal < 200 KB). "
        "HTML gzip at level 6 (what a proxy would send; Django sends it uncompressed), static files at "
        "level 9 (the `.gz` copies WhiteNoise serves).",
        "",
        "| file | bytes | gzip bytes |",
        "| --- | ---: | ---: |",
        *(f"| {r['file']} | {r['raw']:,} | {r['gzip']:,} |" for r in weight["rows"]),
        f"| **total** | **{weight['raw']:,}** | **{weight['gzip']:,}** |",
        "",
        f"Slowest p95: {slowest['p95_ms']:.1f} ms ({slowest['label']}; goal < 100 ms). Home page: "
        f"{weight['raw'] / 1024:.1f} KB, {weight['gzip'] / 1024:.1f} KB gzipped (goal < 200 KB). Images on the "
        f"home page: {', '.join(weight['images']) if weight['images'] else 'none'}. "
        f"Load average at the end of the run: {info['load']} (a shared machine inflates the tails).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per page (at least 200)")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per page")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a SQLite file")
    parser.add_argument("--write", action="store_true", help='replace the "Resident pages" section of BENCHMARKS.md')
    args = parser.parse_args()
    if args.requests < 200:
        parser.error("--requests 至少 200，否则 p95 没有意义")

    url, drop = prepare_database(args.database_url, "bench_pages")
    index_dir = tempfile.TemporaryDirectory(prefix="bench_pages_index_")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="false",
        DB_CONN_MAX_AGE="60",
        DATABASE_URL=url,
        SEARCH_INDEX_DIR=index_dir.name,
    )
    for name in ("REDIS_URL", "ELASTICSEARCH_URL"):
        os.environ.pop(name, None)
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: no collectstatic in a bench
    try:
        print("准备数据库（迁移、导入参考数据、建搜索索引）…", flush=True)
        populate()
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1")
        results = []
        for page in PAGES:
            print(f"测量 {page.path} …", flush=True)
            results.append(measure(client, page, args.requests, args.warmup))
        print("测量 /track/（已查询到的工单：状态、阶段、时间线）…", flush=True)
        results.append(measure(tracked_client(), TRACK_RESULT, args.requests, args.warmup))
        weight = home_weight(client)
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        index_dir.cleanup()

    info = {
        **machine(),
        "date": date.today().isoformat(),
        "django": version("django"),
        "wagtail": version("wagtail"),
        "database": "SQLite" if url.startswith("sqlite") else "PostgreSQL",
        "requests": args.requests,
        "warmup": args.warmup,
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    text = render(info, results, weight)
    print(text)
    if args.write:
        write_section(SECTION, text)
        print("已写入 BENCHMARKS.md")


if __name__ == "__main__":
    main()
