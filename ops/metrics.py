"""Prometheus metrics at /metrics.

Two kinds: what happens inside a process (intakes, decision and search latency) is counted by
thin wrappers around the service functions the edges call (``instrument``), aggregated over
gunicorn workers and task workers through ``PROMETHEUS_MULTIPROC_DIR``; what the database
already knows (queue sizes, overdue cases, escalations, webhook failures, heartbeats) is read at
scrape time, so every node reports the same truth and nothing is lost on restart.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

INTAKES = Counter(
    "governance_intakes_total",
    "Case intakes by channel and outcome (dispatched, manual_queue, replayed, rejected, error).",
    ["channel", "outcome"],
)
DECISION_SECONDS = Histogram(
    "governance_decision_seconds",
    "Time the rules engine takes to decide one case.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SEARCH_SECONDS = Histogram(
    "governance_search_seconds",
    "Time of one resident search or suggestion, segmentation included.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


def _wrap(module: Any, name: str, wrapper: Callable[[Callable], Callable]) -> None:
    original = getattr(module, name, None)
    if original is None or getattr(original, "_ops_instrumented", False):
        return
    wrapped = functools.wraps(original)(wrapper(original))
    wrapped._ops_instrumented = True
    setattr(module, name, wrapped)


def _timed(histogram: Histogram, **labels: str) -> Callable[[Callable], Callable]:
    def wrapper(function: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                (histogram.labels(**labels) if labels else histogram).observe(time.perf_counter() - start)

        return timed

    return wrapper


def _counted_intake(function: Callable) -> Callable:
    from cases.errors import CaseError
    from cases.models import CaseStatus

    def counted(submission, *args, **kwargs):
        channel = str(getattr(submission, "channel", "") or "unknown")[:16]
        try:
            result = function(submission, *args, **kwargs)
        except CaseError:
            INTAKES.labels(channel, "rejected").inc()
            raise
        except Exception:
            INTAKES.labels(channel, "error").inc()
            raise
        if not result.created:
            outcome = "replayed"
        elif result.case.status in (CaseStatus.PENDING_DISPATCH, CaseStatus.RECEIVED):
            outcome = "manual_queue"
        else:
            outcome = "dispatched"
        INTAKES.labels(channel, outcome).inc()
        return result

    return counted


def instrument() -> None:
    """Wrap the service functions every edge calls through their module (idempotent)."""
    from cases import engine
    from cases import services as case_services
    from search import services as search_services

    _wrap(case_services, "submit_case", _counted_intake)
    _wrap(engine, "decide_request", _timed(DECISION_SECONDS))
    _wrap(search_services, "search", _timed(SEARCH_SECONDS, operation="search"))
    _wrap(search_services, "suggest", _timed(SEARCH_SECONDS, operation="suggest"))


class DatabaseCollector:
    """Figures read from the database at scrape time: the same on every node."""

    def collect(self) -> Iterator[Metric]:
        from django.db.models import Count, Min
        from django.utils import timezone

        from api.models.webhooks import WebhookDelivery
        from cases.models import OPEN_STATUSES, Case, CaseStatus, Escalation
        from cms.models import CalendarYear
        from cms.models.calendar import CalendarStatus

        from .heartbeat import age_seconds
        from .models import Heartbeat

        now = timezone.now()
        by_status = dict(Case.objects.order_by().values_list("status").annotate(n=Count("pk")))
        manual = GaugeMetricFamily("governance_manual_queue_cases", "Cases waiting for manual dispatch.")
        manual.add_metric([], by_status.get(CaseStatus.PENDING_DISPATCH, 0))
        yield manual
        undecided = GaugeMetricFamily("governance_undecided_cases", "Cases stored but not yet decided (received).")
        undecided.add_metric([], by_status.get(CaseStatus.RECEIVED, 0))
        yield undecided
        overdue = GaugeMetricFamily("governance_overdue_cases", "Open cases past their completion deadline.")
        overdue.add_metric([], Case.objects.filter(status__in=OPEN_STATUSES, complete_due__lt=now).count())
        yield overdue
        escalations = CounterMetricFamily(
            "governance_escalations", "Escalations ever recorded, by level.", labels=["level"]
        )
        for level, n in Escalation.objects.order_by().values_list("level").annotate(n=Count("pk")):
            escalations.add_metric([str(level)], n)
        yield escalations
        oldest = Case.objects.filter(next_check_at__lte=now).aggregate(m=Min("next_check_at"))["m"]
        lag = GaugeMetricFamily(
            "governance_sweep_lag_seconds", "Age of the oldest deadline check that is due and not yet done."
        )
        lag.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield lag
        beats = GaugeMetricFamily(
            "governance_heartbeat_age_seconds", "Seconds since the newest heartbeat, by process kind.", labels=["kind"]
        )
        for kind in Heartbeat.Kind.values:
            age = age_seconds(kind, now)
            beats.add_metric([kind], age if age is not None else float("inf"))
        yield beats
        failures = CounterMetricFamily("governance_webhook_failures", "Webhook deliveries that failed for good.")
        failures.add_metric([], WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).count())
        yield failures
        retrying = GaugeMetricFamily("governance_webhook_retrying", "Webhook deliveries waiting for a retry.")
        retrying.add_metric([], WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RETRYING).count())
        yield retrying
        confirmed = GaugeMetricFamily(
            "governance_calendar_next_year_confirmed", "1 when next year's official holiday schedule is confirmed."
        )
        next_year = timezone.localdate().year + 1
        confirmed.add_metric(
            [], int(CalendarYear.objects.filter(year=next_year, status=CalendarStatus.OFFICIAL).exists())
        )
        yield confirmed


class _ThisProcess:
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def render() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def allowed(request: HttpRequest) -> bool:
    """A bearer token (``METRICS_TOKEN``) or a client address inside ``METRICS_ALLOWED_NETWORKS``."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and _same(given[7:], token):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def _same(a: str, b: str) -> bool:
    from django.utils.crypto import constant_time_compare

    return constant_time_compare(a, b)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("无权访问监控指标。", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
