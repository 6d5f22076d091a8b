"""Benchmark of the GraphQL API: requests per second for a 20-item services query and for submitCase,
each as a ratio to a bare Django JSON view served by the same server in the same run, and the services
query also against a hand-written JSON view of the same data (``tests/bench/reference_views.py``).

Run from the project root::

    python tests/bench/bench_api.py                 # throwaway SQLite file; prints the table
    python tests/bench/bench_api.py --write         # and replaces the "GraphQL API" section of BENCHMARKS.md
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python tests/bench/bench_api.py

The server is one process of Django's threaded WSGI server (what ``runserver`` runs) with
``config.settings.dev`` and DEBUG off; its URLconf is the project's plus the two reference views
(a fixed JsonResponse and the hand-written services view), which exist only here. Clients are separate processes,
each with one keep-alive connection, so client work does not share the server's interpreter.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.common import machine, prepare_database, write_section  # noqa: E402

SECTION = "## GraphQL API"
BARE_PATH = "/__bench__/json/"
SERVICES_PATH = "/__bench__/services/?first=20"
GRAPHQL_PATH = "/graphql/"

SERVICES_QUERY = """query Services($first: Int!) {
  serviceItems(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code title category summary online maxVisits timeLimitWorkingDays url
                   department { code name } } }
  }
}"""

SUBMIT_MUTATION = """mutation Submit($input: SubmitCaseInput!) {
  submitCase(input: $input) {
    errors { field code message }
    case { ticketNumber status routing { grid { code } handlers { code role } } deadlines { completeDue } }
  }
}"""

# Hotline-style requests at reference addresses; each request gets its own idempotency key.
REQUESTS = [
    (
        "投诉",
        "芙蓉街16号院的下水道堵了快一个星期，污水往外漫；水龙头里放出来的也是黄水。",
        "历下区泉城路街道芙蓉街16号",
    ),
    ("求助", "楼道里的声控灯坏了一个多月，晚上老人上下楼看不见，请物业或社区来修。", "历下区泉城路街道芙蓉街2号"),
    ("投诉", "小区门口有人占道摆摊卖菜，早上车都开不出去，希望城管来管一管。", "历下区泉城路街道金菊巷3号"),
    ("咨询", "家里老母亲一个人过，收入很少，想问问怎么申请低保，需要带哪些材料。", "历下区泉城路街道芙蓉街8号"),
]


# --------------------------------------------------------------------------- the server process


def serve(port: int) -> None:
    """Run in the child process: the project's WSGI app plus the reference views, threaded."""
    import logging

    import django

    django.setup()
    from django.conf import settings
    from django.core.servers.basehttp import WSGIRequestHandler, run
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = "tests.bench.reference_views"
    application = get_wsgi_application()  # sets up logging again, so quieten the access log after it
    logging.getLogger("django.server").setLevel(logging.WARNING)
    # Headers and body go out in separate writes; with Nagle on, each response waits for a delayed ACK.
    WSGIRequestHandler.disable_nagle_algorithm = True
    run("127.0.0.1", port, application, threading=True)


# --------------------------------------------------------------------------- set-up


def populate() -> dict[str, str]:
    """Migrate, import the reference district, and issue the two partner keys; returns the keys."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from api.models import PartnerKey
    from cms.importing import import_reference

    call_command("migrate", verbosity=0, interactive=False)
    import_reference(Path(settings.REFERENCE_DATA_DIR))
    keys = {}
    for name, submit in (("reader", False), ("hotline", True)):
        key = PartnerKey(name=f"bench-{name}", partner="bench", can_submit_cases=submit, rate_limit_per_minute=100_000)
        keys[name] = key.issue()
        key.save()
    connections.close_all()
    return keys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BARE_PATH)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer within {timeout} s")


# --------------------------------------------------------------------------- load


def _request(kind: str, key: dict[str, str], worker: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
    if kind == "bare":
        return "GET", BARE_PATH, b"", {}
    if kind == "handwritten":
        return "GET", SERVICES_PATH, b"", {}
    headers = {"Content-Type": "application/json"}
    if kind == "services":
        headers["Authorization"] = f"Bearer {key['reader']}"
        body = {"query": SERVICES_QUERY, "variables": {"first": 20}}
    else:
        headers["Authorization"] = f"Bearer {key['hotline']}"
        request_type, text, address = REQUESTS[n % len(REQUESTS)]
        body = {
            "query": SUBMIT_MUTATION,
            "variables": {
                "input": {
                    "type": {"投诉": "COMPLAINT", "求助": "HELP", "咨询": "CONSULT"}[request_type],
                    "text": text,
                    "address": address,
                    "channel": "HOTLINE",
                    "reporter": {"name": "测试", "phone": f"1380000{n % 10000:04d}"},
                    "idempotencyKey": f"bench-{os.getpid()}-{worker}-{n}",
                }
            },
        }
    return "POST", GRAPHQL_PATH, json.dumps(body).encode(), headers


def _check(kind: str, status: int, payload: bytes) -> str:
    """ "ok", "failed", or for submitCase "deferred" (stored, but the dispatch is left to the sweep)."""
    if status != 200:
        return "failed"
    if kind == "bare":
        return "ok"
    data = json.loads(payload)
    if data.get("errors"):
        return "failed"
    if kind in ("services", "handwritten"):
        return "ok" if len(data["data"]["serviceItems"]["edges"]) == 20 else "failed"
    result = data["data"]["submitCase"]
    if result["errors"]:
        return "failed"
    return result["case"]["status"]


def client(args: tuple) -> tuple[int, int, dict[str, int], list[float], str]:
    """One process, one keep-alive connection: send ``kind`` requests until ``until`` (monotonic)."""
    port, kind, keys, worker, start_at, until = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    ok = failed = n = 0
    statuses: dict[str, int] = {}
    sample = ""
    while time.monotonic() < start_at:
        time.sleep(0.001)
    while time.monotonic() < until:
        method, target, body, headers = _request(kind, keys, worker, n)
        n += 1
        started = time.perf_counter()
        try:
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            failed += 1
            sample = sample or repr(error)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
        outcome = _check(kind, response.status, payload)
        if outcome == "failed":
            failed += 1
            sample = sample or payload[:300].decode("utf-8", "replace")
        else:
            ok += 1
            if outcome != "ok":
                statuses[outcome] = statuses.get(outcome, 0) + 1
    conn.close()
    return ok, failed, statuses, latencies, sample


def measure(port: int, kind: str, keys: dict[str, str], connections: int, seconds: float, warmup: float) -> dict:
    with multiprocessing.Pool(connections) as pool:
        start = time.monotonic() + 0.5
        pool.map(client, [(port, kind, keys, w, start, start + warmup) for w in range(connections)])
        start = time.monotonic() + 0.5
        results = pool.map(client, [(port, kind, keys, w + 100, start, start + seconds) for w in range(connections)])
    ok = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    statuses: dict[str, int] = {}
    for r in results:
        for status, count in r[2].items():
            statuses[status] = statuses.get(status, 0) + count
    latencies = sorted(x for r in results for x in r[3])
    samples = [r[4] for r in results if r[4]]

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, round(share * (len(latencies) - 1)))] * 1000 if latencies else 0.0

    return {
        "kind": kind,
        "rps": ok / seconds,
        "ok": ok,
        "failed": failed,
        "statuses": statuses,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
        "sample_error": samples[0] if samples else "",
    }


# --------------------------------------------------------------------------- report


LABELS = {
    "bare": "bare Django JsonResponse (GET)",
    "handwritten": "hand-written JSON view of the same 20 services (GET)",
    "services": "`serviceItems(first: 20)` with department (POST, partner key)",
    "submit": "`submitCase` (POST, partner key)",
}


def render(runs: dict[str, dict]) -> str:
    first = next(iter(runs.values()))["info"]
    lines = [
        SECTION,
        "",
        f"Measured with `tests/bench/bench_api.py` on {first['cpu']} ({first['cores']} CPU, {first['os']}), "
        f"Python {first['python']}, Django {first['django']}, graphene-django {first['graphene_django']}, "
        f"graphql-core {first['graphql_core']}. One server process (Django's threaded WSGI server with "
        "TCP_NODELAY, `config.settings.dev` with DEBUG off, persistent database connections, local-memory "
        f"cache); {first['connections']} client processes with one keep-alive connection each; "
        f"{first['seconds']:g} s per row after a {first['warmup']:g} s warm-up. Each ratio is to the bare "
        "JSON view measured in the same run against the same server; *ratio to hand-written* compares the services "
        "query with `tests/bench/reference_views.py`, which answers the same JSON from the same rows (a COUNT "
        "and one `values()` query). A 4-process client against a threaded server on 2 shared cores measures "
        "CPU per request more than anything else.",
        "",
        "| database | date | load 1/5/15 | request | req/s | ratio to bare JSON | ratio to hand-written "
        "| p50 ms | p95 ms | failed |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for database, run in runs.items():
        bare = next(r for r in run["results"] if r["kind"] == "bare")["rps"]
        hand = next((r["rps"] for r in run["results"] if r["kind"] == "handwritten"), None)
        for r in run["results"]:
            versus = f"{r['rps'] / hand:.2f}" if hand and r["kind"] in ("services", "handwritten") else ""
            lines.append(
                f"| {database} | {run['info']['date']} | {run['info'].get('load', '')} | {LABELS[r['kind']]} | "
                f"{r['rps']:.1f} | {r['rps'] / bare:.3f} | {versus} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                f"{r['failed']} |"
            )
            if r.get("statuses"):
                counts = ", ".join(f"{status} {count}" for status, count in sorted(r["statuses"].items()))
                notes.append(f"{database}, statuses of the {r['ok']} new cases as answered: {counts}.")
    lines += [
        "",
        "The services query selects 11 fields per item plus the department and the page info; per request "
        "it reads the page view restrictions and one page of items with its total and the department joined "
        "(a fixed number of queries whatever the page size, pinned in `tests/api/test_query_counts.py`; the "
        "partner key comes from the cache), then runs the cached parse and validation, the cached cost/depth/alias "
        "limits and execution. `submitCase` is the whole intake of `cases.services.submit_case` with a new "
        "idempotency key each time: validation, ticket number, the rules engine's decision, assignments, "
        "deadlines, audit events, webhook check and escalation task, all written to the database. One of the "
        "four request texts has no routing rule and goes to the manual queue (PENDING_DISPATCH); a case "
        "answered as RECEIVED was stored but its dispatch met a locked database and is left to the overdue "
        "sweep (SQLite under concurrent writers).",
        *(["", *notes] if notes else []),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per request kind")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per request kind")
    parser.add_argument("--connections", type=int, default=4, help="client processes (one connection each)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a SQLite file")
    parser.add_argument("--write", action="store_true", help='replace the "GraphQL API" section of BENCHMARKS.md')
    parser.add_argument(
        "--results",
        default=str(ROOT / "var" / "bench_api.json"),
        help="figures of each database are kept here, so SQLite and PostgreSQL runs share one table",
    )
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")  # persistent connections, as a deployment would use
    os.environ.pop("REDIS_URL", None)
    if args.serve:
        serve(args.serve)
        return

    url, drop = prepare_database(args.database_url, "bench_api")
    os.environ["DATABASE_URL"] = url
    server = None
    try:
        print("准备数据库（迁移并导入参考数据）…", flush=True)
        keys = populate()
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=os.environ.copy())
        wait_until_up(port)
        results = []
        for kind in ("bare", "handwritten", "services", "submit"):
            print(f"测量 {kind} …", flush=True)
            result = measure(port, kind, keys, args.connections, args.seconds, args.warmup)
            if result["sample_error"]:
                print(f"  失败示例：{result['sample_error']}", flush=True)
            results.append(result)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        drop()

    info = {
        **machine(),
        "date": date.today().isoformat(),
        "load": "/".join(f"{value:.1f}" for value in os.getloadavg()),
        "django": version("django"),
        "graphene_django": version("graphene-django"),
        "graphql_core": version("graphql-core"),
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup": args.warmup,
    }
    database = "SQLite (WAL)" if url.startswith("sqlite") else "PostgreSQL"
    store = Path(args.results)
    runs = json.loads(store.read_text("utf-8")) if store.exists() else {}
    runs[database] = {"info": info, "results": results}
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(runs, ensure_ascii=False, indent=1), "utf-8")
    text = render(runs)
    print(text)
    if args.write:
        write_section(SECTION, text)
        print("已写入 BENCHMARKS.md")


if __name__ == "__main__":
    main()
