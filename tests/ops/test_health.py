"""/healthz and /readyz: JSON, 200 when the node can serve, 503 with the failing check otherwise."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ops import health
from ops.heartbeat import Beater
from ops.models import Heartbeat


@pytest.fixture
def beating(db):
    Beater(Heartbeat.Kind.TASK_WORKER).beat()
    Beater(Heartbeat.Kind.SWEEP).beat()


@pytest.fixture
def indexed(reference_data):
    from search.services import rebuild_index

    rebuild_index()


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no db fixture: a query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_workers_sweep_and_index(client, beating, indexed):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert {name: check["status"] for name, check in body["checks"].items() if name != "calendar"} == {
        "database": "ok",
        "cache": "ok",
        "task_worker": "ok",
        "sweep": "ok",
        "search": "ok",
    }
    assert body["checks"]["search"]["data"]["documents"] > 0


def test_readyz_fails_without_a_task_worker_heartbeat(client, indexed):
    Beater(Heartbeat.Kind.SWEEP).beat()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["task_worker"] == {
        "status": "fail",
        "detail": "从未收到后台任务进程的心跳",
        "data": {},
        "ms": response.json()["checks"]["task_worker"]["ms"],
    }


def test_readyz_fails_when_the_sweep_went_silent(client, beating, indexed, settings):
    Heartbeat.objects.filter(kind="sweep").update(beat_at=timezone.now() - timedelta(seconds=600))
    check = client.get("/readyz").json()["checks"]["sweep"]
    assert check["status"] == "fail"
    assert check["data"]["max_age_seconds"] == settings.OPS_SWEEP_MAX_AGE
    assert check["data"]["age_seconds"] >= 600
    assert check["data"]["lag_seconds"] == 0.0  # no deadline check is due


def test_a_check_that_raises_is_a_failed_check_not_a_500(client, beating, indexed, monkeypatch):
    def broken():
        raise RuntimeError("缓存服务器拒绝连接")

    monkeypatch.setitem(health.READINESS, "cache", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["detail"] == "RuntimeError: 缓存服务器拒绝连接"


def test_unconfirmed_next_year_warns_from_november_without_failing(client, beating, indexed, time_machine):
    from cms.models import CalendarYear

    time_machine.move_to("2026-11-15 10:00:00+08:00")
    CalendarYear.objects.filter(year=2027).delete()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["calendar"] == {
        "status": "warn",
        "detail": "2027年工作日历尚未确认为官方安排",
        "data": {},
        "ms": response.json()["checks"]["calendar"]["ms"],
    }


def test_heartbeat_rows_are_one_per_process(db):
    beater = Beater(Heartbeat.Kind.TASK_WORKER, min_interval=0)
    beater.beat(tasks_run=1)
    beater.beat(tasks_run=2)
    assert Heartbeat.objects.get(process=beater.process).detail == {"tasks_run": 2}
