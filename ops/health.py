"""Health endpoints for load balancers and orchestrators.

``/healthz``: the process answers (no database), for liveness probes and load balancers.
``/readyz``: the service can do its whole job: database, cache, task-worker heartbeat, sweep
heartbeat and lag, search index; for deploy gates and monitoring. Next year's
working calendar is reported as a warning only, since taking every node out of rotation over it
would be worse than the missing schedule. JSON, 200 when ready, 503 otherwise.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"


@dataclass
class Check:
    status: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def check_database() -> Check:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check(OK, connection.vendor)


def check_cache() -> Check:
    from django.core.cache import cache

    key, value = f"ops:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    got = cache.get(key)
    cache.delete(key)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return Check(OK, backend) if got == value else Check(FAIL, f"{backend}：写入后读不到")


def _heartbeat(kind: str, max_age: float, label: str) -> Check:
    from .heartbeat import age_seconds

    age = age_seconds(kind)
    if age is None:
        return Check(FAIL, f"从未收到{label}的心跳")
    data = {"age_seconds": round(age, 1), "max_age_seconds": max_age}
    if age > max_age:
        return Check(FAIL, f"{label}已 {age:.0f} 秒没有心跳", data)
    return Check(OK, "", data)


def check_task_worker() -> Check:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return Check(SKIP, "任务在 RQ 上运行，由 rqworker 自身的监控负责")
    return _heartbeat("task_worker", settings.OPS_TASK_WORKER_MAX_AGE, "后台任务进程")


def check_sweep() -> Check:
    """The sweep's heartbeat; ``lag_seconds`` (the oldest due deadline check not yet done) is shown."""
    from django.db.models import Min

    from cases.models import Case

    result = _heartbeat("sweep", settings.OPS_SWEEP_MAX_AGE, "时限巡检进程")
    now = timezone.now()
    oldest = Case.objects.filter(next_check_at__lte=now).aggregate(m=Min("next_check_at"))["m"]
    result.data["lag_seconds"] = round((now - oldest).total_seconds(), 1) if oldest else 0.0
    return result


def check_search() -> Check:
    from search import runtime

    backend = runtime.backend()
    count = backend.count()
    if count == 0:
        return Check(FAIL, f"{backend.name} 索引为空（运行 manage.py search_index --rebuild）", {"documents": 0})
    return Check(OK, backend.name, {"documents": count})


def check_calendar() -> Check:
    from cms.models import CalendarYear
    from cms.models.calendar import CalendarStatus

    today = timezone.localdate()
    year = today.year + 1
    if CalendarYear.objects.filter(year=year, status=CalendarStatus.OFFICIAL).exists():
        return Check(OK, f"{year}年已确认")
    status = WARN if today.month >= 11 else OK
    return Check(status, f"{year}年工作日历尚未确认为官方安排")


READINESS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "cache": check_cache,
    "task_worker": check_task_worker,
    "sweep": check_sweep,
    "search": check_search,
    "calendar": check_calendar,
}


def run_checks() -> tuple[bool, dict[str, dict[str, Any]]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in READINESS.items():
        start = time.perf_counter()
        try:
            result = check()
        except Exception as exc:  # a check that cannot run is a failed check, never a 500
            result = Check(FAIL, f"{exc.__class__.__name__}: {str(exc)[:200]}")
        results[name] = asdict(result) | {"ms": round((time.perf_counter() - start) * 1000, 1)}
    return all(r["status"] != FAIL for r in results.values()), results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = run_checks()
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False})
