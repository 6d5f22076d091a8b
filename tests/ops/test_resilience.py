"""Long-running processes wait out a lost database and go on; the supervisor restarts children."""

import sys
import time

import pytest
from django.db import OperationalError

from ops import resilience
from ops.supervisor import Child, Supervisor


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(resilience.time, "sleep", slept.append)
    monkeypatch.setattr(resilience, "close_old_connections", lambda: None)
    return slept


def test_run_forever_backs_off_reconnects_and_goes_on(no_sleep, monkeypatch):
    dropped = []
    monkeypatch.setattr(resilience, "drop_connections", lambda: dropped.append(True))
    calls = []

    def step():
        calls.append(len(calls))
        if len(calls) in (2, 3):
            raise OperationalError("terminating connection due to administrator command")

    resilience.run_forever(step, name="测试", sleep=lambda: 60, should_run=lambda: len(calls) < 5)
    assert calls == [0, 1, 2, 3, 4]
    assert len(dropped) == 2
    # 60 s after each success; 1 s then 2 s (with up to 50 % jitter) after the two failures.
    waits = [w for w in no_sleep if w != 60]
    assert len(waits) == 2 and 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2
    assert no_sleep.count(60) == 3


def test_other_errors_stop_the_loop(no_sleep):
    def step():
        raise ValueError("bug")

    with pytest.raises(ValueError):
        resilience.run_forever(step, name="测试", sleep=lambda: 0)


def test_backoff_is_capped():
    backoff = resilience.Backoff(first=1, cap=30)
    delays = [backoff.next_delay() for _ in range(10)]
    assert max(delays) <= 30 and delays[-1] >= 15


def test_resilient_worker_survives_a_lost_database(db, monkeypatch, no_sleep):
    from django_tasks_db.management.commands.db_worker import Worker

    from ops.management.commands import task_worker
    from ops.management.commands.task_worker import ResilientWorker

    runs, dropped, beats = [], [], []

    def flaky_run(self):
        runs.append(1)
        if len(runs) < 3:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Worker, "run", flaky_run)
    monkeypatch.setattr(task_worker, "drop_connections", lambda: dropped.append(1))
    monkeypatch.setattr(ResilientWorker, "_heartbeats", lambda self: beats.append(self.worker_id))
    worker = ResilientWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="w1", excluded_queue_names=[],
    )  # fmt: skip
    worker.run()
    assert len(runs) == 3
    assert worker.reconnects == 2 and len(dropped) == 2
    assert beats == ["w1"]  # the heartbeat thread was started once


def test_supervisor_restarts_a_child_that_exits():
    child = Child("会退出的进程", [sys.executable, "-c", "import sys; sys.exit(3)"])
    child.start()
    child.process.wait(10)
    supervisor = Supervisor([child])
    now = time.monotonic()
    supervisor.tick(now)
    assert child.restart_at is not None and child.restart_at - now <= 1.0
    supervisor.tick(child.restart_at)
    assert child.restarts == 1 and child.restart_at is None
    child.process.wait(10)
    supervisor.tick(time.monotonic())
    second_delay = child.restart_at - time.monotonic()
    assert 0.5 < second_delay <= 2.0  # the second quick failure waits longer
    supervisor.stop()


def test_supervisor_stop_terminates_children():
    child = Child("常驻进程", [sys.executable, "-c", "import time; time.sleep(60)"])
    child.start()
    Supervisor([child]).stop()
    assert child.process.poll() is not None


def test_sweep_every_writes_a_heartbeat_per_pass(db, monkeypatch):
    import io

    from django.core.management import call_command

    from ops.models import Heartbeat

    def stop(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(resilience.time, "sleep", stop)
    monkeypatch.setattr(resilience, "close_old_connections", lambda: None)
    call_command("escalate_overdue", "--every", "30", stdout=io.StringIO())
    beat = Heartbeat.objects.get(kind="sweep")
    assert beat.detail == {"checked": 0, "escalated": 0, "failed": 0}
