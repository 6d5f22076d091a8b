"""Benchmark of the case lifecycle: intake, the overdue sweep and a year of scores, at scale.

Run from the project root::

    python tests/bench/bench_cases.py                      # throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python tests/bench/bench_cases.py
    python tests/bench/bench_cases.py --big 0               # skip the million-row part

With PostgreSQL a fresh database ``bench_cases_<pid>`` is created next to the one in the URL
and dropped afterwards. ``--write`` replaces the "工单 (cases)" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.common import machine, prepare_database, write_section  # noqa: E402

SECTION = "## 工单 (cases)"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    """Best and median wall time over ``repeat`` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return min(runs), statistics.median(runs)


def bench_intake(count: int) -> dict:
    from cases.services import CaseSubmission, submit_case

    requests = [
        json.loads(line)["request"]
        for line in (ROOT / "data" / "eval" / "routing_dev.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(3)
    latencies = []
    started = time.perf_counter()
    for i in range(count):
        r = requests[i % len(requests)]
        submission = CaseSubmission(
            request_type=r["type"],
            text=r["text"],
            channel=r["channel"],
            address=r.get("address") or "",
            point=r.get("point"),
            reporter_name="测试",
            reporter_phone=f"139{rng.randrange(10**8):08d}",
            idempotency_key=f"bench-{i}",
        )
        t0 = time.perf_counter()
        submit_case(submission)
        latencies.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    return {
        "count": count,
        "per_second": count / total,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def grow(target: int, *, now, days: int, open_ratio: float) -> float:
    from cases.generator import generate_cases
    from cases.models import Case

    missing = target - Case.objects.count()
    if missing <= 0:
        return 0.0
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 15 or done == total:
            last[0] = time.perf_counter()
            print(f"    {done:,}/{total:,}", flush=True)

    generate_cases(
        missing,
        start=now - timedelta(days=days),
        end=now,
        seed=target,
        open_ratio=open_ratio,
        events=False,
        batch_size=5000,
        now=now,
        progress=progress,
    )
    return time.perf_counter() - started


def replicate(target: int) -> float:
    """Grow to ``target`` cases by copying the generated ones inside the database (INSERT … SELECT).

    The copies keep the generated distribution (dates, outcomes, areas, departments); only the
    ticket number gets a suffix. Generating a million rows through the ORM would take far longer
    than measuring them.
    """
    from django.db import connection

    from cases.models import Assignment, Case

    started = time.perf_counter()
    base = Case.objects.count()
    offset = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    copies = max(0, -(-target // base) - 1)
    q = connection.ops.quote_name
    case_columns = [f.column for f in Case._meta.concrete_fields]
    assignment_columns = [f.column for f in Assignment._meta.concrete_fields]

    def select(columns: list[str], k: int, overrides: dict[str, str]) -> str:
        return ", ".join(overrides.get(c, q(c)) for c in columns)

    with connection.cursor() as cursor:
        for k in range(1, copies + 1):
            remaining = target - Case.objects.count()
            if remaining <= 0:
                break
            shift = k * offset
            overrides = {"id": f"id + {shift}", "ticket_number": f"ticket_number || '-{k}'", "idempotency_key": "NULL"}
            cursor.execute(
                f"INSERT INTO cases_case ({', '.join(q(c) for c in case_columns)}) "
                f"SELECT {select(case_columns, k, overrides)} "
                f"FROM cases_case WHERE id < {offset} ORDER BY id LIMIT {remaining}"
            )
            cursor.execute(
                f"INSERT INTO cases_assignment ({', '.join(q(c) for c in assignment_columns if c != 'id')}) "
                f"SELECT {select([c for c in assignment_columns if c != 'id'], k, {'case_id': f'case_id + {shift}'})} "
                f"FROM cases_assignment WHERE case_id < {offset} AND case_id + {shift} IN "
                f"(SELECT id FROM cases_case WHERE id >= {shift} AND id < {shift + offset})"
            )
            print(f"    copy {k}: {Case.objects.count():,} cases", flush=True)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
            )
            # What autovacuum does after a bulk load: statistics and the visibility map (index-only scans).
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("VACUUM ANALYZE cases_assignment")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def bench_scores(now) -> dict:
    from cases.scores import compute_scores

    today = now.date()
    best, median = timed(lambda: compute_scores(today - timedelta(days=364), today, now=now), repeat=3)
    scores = compute_scores(today - timedelta(days=364), today, now=now)
    return {
        "best_s": best,
        "median_s": median,
        "departments": len(scores.departments),
        "cases": sum(r.cases for r in scores.subdistricts),
    }


def bench_sweep(now, due: int) -> dict:
    from django.db import connection

    from cases.escalation import sweep_overdue
    from cases.models import Case, CaseStatus

    # Every case open, every alarm in the future; then `due` of them fall due.
    Case.objects.update(status=CaseStatus.IN_PROGRESS, next_check_at=now + timedelta(days=30), resolved_at=None)
    ids = list(Case.objects.order_by("?").values_list("pk", flat=True)[:due])
    Case.objects.filter(pk__in=ids).update(next_check_at=now - timedelta(minutes=1))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
    open_cases = Case.objects.filter(status=CaseStatus.IN_PROGRESS).count()
    # The sweep's own look-up (cases.escalation.sweep_overdue).
    due_query = Case.objects.filter(next_check_at__lte=now).order_by("next_check_at").values_list("pk", flat=True)
    find_best, find_median = timed(lambda: list(due_query.all()), repeat=5)
    with connection.cursor() as cursor:
        sql, params = due_query.query.sql_with_params()
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        plan = " / ".join(str(row[-1]) for row in cursor.fetchall())[:200]
    started = time.perf_counter()
    first = sweep_overdue(now)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = sweep_overdue(now)
    second_s = time.perf_counter() - started
    return {
        "open": open_cases,
        "due": due,
        "find_best_ms": find_best * 1000,
        "find_median_ms": find_median * 1000,
        "sweep_s": first_s,
        "escalated": first.escalated,
        "failed": first.failed,
        "rerun_s": second_s,
        "rerun_checked": second.checked,
        "plan": plan,
    }


def run(url: str | None, args) -> dict:
    db_url, drop = prepare_database(url, "bench_cases")
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cms.importing import import_reference

    result: dict = {"database": connection.vendor, "server": ""}
    try:
        print(f"== {connection.vendor}: migrate and import the reference district", flush=True)
        call_command("migrate", verbosity=0)
        import_reference(ROOT / "data" / "jinan")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                result["server"] = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            import sqlite3

            result["server"] = f"SQLite {sqlite3.sqlite_version}"
        now = timezone.now()
        print(f"== generate {args.existing:,} existing cases", flush=True)
        result["generate_existing_s"] = grow(args.existing, now=now, days=365, open_ratio=0.15)
        print(f"== intake of {args.intake} cases beside them", flush=True)
        result["intake"] = bench_intake(args.intake)
        if args.big:
            print(f"== grow to {args.big:,} cases over a year (copies of the generated ones)", flush=True)
            result["generate_big_s"] = replicate(args.big)
            print("== a year of scores", flush=True)
            result["scores"] = bench_scores(timezone.now())
            print("== the overdue sweep over every case open", flush=True)
            result["sweep"] = bench_sweep(timezone.now(), args.due)
    finally:
        drop()
    return result


def render(results: list[dict], args) -> str:
    info = machine()
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `tests/bench/bench_cases.py` on {info['cores']} CPU "
        f"({info['cpu']}), {info['os']}, Python {info['python']}, Django {version('django')}. "
        "The existing rows are made by `manage.py generate_cases` (bulk, realistic mix: about 85% closed "
        "with ratings, 12% whistle cases with a co-handler) and, for the million-row runs, copied inside the "
        "database until there are enough; intake goes through `submit_case` with the rules engine, "
        "one client, each call its own transactions (store, decide, assign, schedule).",
        "",
        "| database | existing cases | intake cases/s | p50 ms | p95 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        i = r["intake"]
        lines.append(
            f"| {r['server']} | {args.existing:,} | {i['per_second']:.0f} | {i['p50_ms']:.1f} | "
            f"{i['p95_ms']:.1f} | {i['p99_ms']:.1f} |"
        )
    big = [r for r in results if "sweep" in r]
    if big:
        lines += [
            "",
            f"Overdue sweep: every one of {args.big:,} cases open with its alarm (`next_check_at`, partial index) "
            f"in the future, then {args.due} fall due. *find* is the indexed look-up of due cases; *sweep* is "
            "`escalate_if_overdue` on each (lock, formula via the escalation ruleset, escalation rows, events, "
            "notifications, next alarm); *rerun* is the sweep again at the same moment (nothing left to do).",
            "",
            "| database | open cases | due | find ms (best / median) | sweep s | escalated | rerun s | plan |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        notes: list[str] = []
        for r in big:
            s = r["sweep"]
            per_case = s["sweep_s"] / max(1, s["due"]) * 1000
            lines.append(
                f"| {r['server']} | {s['open']:,} | {s['due']} | {s['find_best_ms']:.1f} / {s['find_median_ms']:.1f} | "
                f"{s['sweep_s']:.2f} | {s['escalated']} | {s['rerun_s']:.3f} | `{s['plan']}` |"
            )
            notes.append(
                f"{r['server']}: finding what is due among {s['open']:,} open cases takes "
                f"{s['find_median_ms']:.1f} ms and a sweep with nothing due {s['rerun_s'] * 1000:.0f} ms (goal < 1 s); "
                f"the sweep's time grows with the cases that fall due, about {per_case:.0f} ms each, "
                "not with the cases that are open."
            )
        for note in notes:
            lines += ["", note]
        lines += [
            "",
            f"A year of scores over {args.big:,} cases (`compute_scores`, both dimensions: two grouped queries, "
            "cases and assignments, each read from a covering index already in group order; goal < 2 s):",
            "",
            "| database | cases in range | best s | median s | copy s |",
            "| --- | --- | --- | --- | --- |",
        ]
        for r in big:
            s = r["scores"]
            lines.append(
                f"| {r['server']} | {s['cases']:,} | {s['best_s']:.2f} | {s['median_s']:.2f} | "
                f"{r['generate_big_s']:.0f} |"
            )
    try:
        load = os.getloadavg()[0]
        lines += ["", f"Load average at the end of the run: {load:.1f} (a shared machine inflates the tails)."]
    except OSError:
        pass
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=100_000, help="cases present before the intake run")
    parser.add_argument("--intake", type=int, default=1000, help="cases submitted through submit_case")
    parser.add_argument("--big", type=int, default=1_000_000, help="cases for the sweep and scores (0: skip)")
    parser.add_argument("--due", type=int, default=100, help="cases that fall due in the sweep run")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a SQLite file")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    parser.add_argument("--write", action="store_true", help="replace the cases section of BENCHMARKS.md")
    parser.add_argument(
        "--results",
        default=str(ROOT / "var" / "bench_cases.json"),
        help="figures of each database are kept here, so SQLite and PostgreSQL runs share one table",
    )
    parser.add_argument("--render-only", action="store_true", help="only render the figures kept in --results")
    args = parser.parse_args()
    store = Path(args.results)
    if args.render_only:
        kept = json.loads(store.read_text("utf-8"))
        text = render([kept[k] for k in sorted(kept, key=lambda k: k != "sqlite")], args)
        print(text)
        if args.write:
            write_section(SECTION, text)
        return
    print(json.dumps(machine(), ensure_ascii=False))
    result = run(args.database_url, args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    store.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(store.read_text("utf-8")) if store.exists() else {}
    kept[result["database"]] = result
    store.write_text(json.dumps(kept, ensure_ascii=False, indent=2, default=str), "utf-8")
    text = render([kept[k] for k in sorted(kept, key=lambda k: k != "sqlite")], args)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
