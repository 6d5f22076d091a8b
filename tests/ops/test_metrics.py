"""/metrics: Prometheus text for allowed callers; intakes, decision latency and database figures."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cases.models import CaseStatus
from cases.services import CaseSubmission
from ops.metrics import INTAKES

SUBMISSION = CaseSubmission(
    request_type="投诉", text="芙蓉街16号院下水道堵了一个星期，污水漫到路上。", channel="web",
    address="历下区泉城路街道芙蓉街16号", reporter_phone="13812345678", idempotency_key="metrics-1",
)  # fmt: skip


def samples(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def test_metrics_refuse_other_networks(client, db):
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_metrics_accept_the_token_from_anywhere(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def _intakes(channel: str, outcome: str) -> float:
    return INTAKES.labels(channel, outcome)._value.get()


def test_intake_counted_by_channel_and_outcome(client, reference_data):
    from cases import services

    before = {o: _intakes("web", o) for o in ("dispatched", "replayed", "manual_queue")}
    decisions_before = samples(client)[("governance_decision_seconds_count", ())]
    first = services.submit_case(SUBMISSION)
    services.submit_case(SUBMISSION)  # the same idempotency key: a replay
    outcome = "manual_queue" if first.case.status == CaseStatus.PENDING_DISPATCH else "dispatched"
    assert _intakes("web", outcome) == before[outcome] + 1
    assert _intakes("web", "replayed") == before["replayed"] + 1
    after = samples(client)
    assert after[("governance_intakes_total", (("channel", "web"), ("outcome", "replayed")))] >= 1
    assert after[("governance_decision_seconds_count", ())] == decisions_before + 1


def test_rejected_intake_is_counted(reference_data):
    from cases import services
    from cases.errors import CaseError

    before = _intakes("web", "rejected")
    with pytest.raises(CaseError):
        services.submit_case(CaseSubmission(request_type="投诉", text="", channel="web"))
    assert _intakes("web", "rejected") == before + 1


def test_database_figures(client, reference_data):
    from cases import services

    case = services.submit_case(SUBMISSION).case
    case.status = CaseStatus.PENDING_DISPATCH
    case.save(update_fields=["status"])
    figures = samples(client)
    assert figures[("governance_manual_queue_cases", ())] == 1
    assert figures[("governance_webhook_failures_total", ())] == 0
    assert figures[("governance_heartbeat_age_seconds", (("kind", "task_worker"),))] == float("inf")


def test_search_latency_is_observed(client, reference_data):
    from search import services

    before = samples(client).get(("governance_search_seconds_count", (("operation", "search"),)), 0)
    services.search("低保")
    assert samples(client)[("governance_search_seconds_count", (("operation", "search"),))] == before + 1


@pytest.mark.slow_subprocess
def test_counters_of_several_processes_are_added_up(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (as under gunicorn), /metrics sums every worker's counters."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PROMETHEUS_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    count = "import django; django.setup(); from ops.metrics import INTAKES; INTAKES.labels('app', 'replayed').inc(3)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=settings.BASE_DIR, env=env, check=True, timeout=120)
    render = (
        "import django; django.setup()\n"
        "from ops import metrics\n"
        "metrics.DatabaseCollector.collect = lambda self: iter(())\n"
        "print(metrics.render().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", render], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    ).stdout
    assert 'governance_intakes_total{channel="app",outcome="replayed"} 6.0' in out
