"""Restart safety: deadlines survive a stopped worker, and a lost task is caught by the sweep."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from cases.models import CaseStatus, Escalation

from .conftest import at, story_submission

pytestmark = pytest.mark.usefixtures("people")


@pytest.fixture
def run_worker(monkeypatch, django_capture_on_commit_callbacks):
    """``manage.py db_worker --batch`` once, as after a restart; its own commits run their callbacks."""
    # The worker recycles connections between tasks; inside a test transaction that would drop the data.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    return run


def pending() -> list[tuple[str, object]]:
    return list(
        DBTaskResult.objects.filter(status="READY", task_path="cases.tasks.check_case_deadlines")
        .order_by("run_after")
        .values_list("args_kwargs", "run_after")
    )


def test_worker_stopped_over_the_deadlines_escalates_on_start(clock, run_worker, django_capture_on_commit_callbacks):
    from cases.services import submit_case

    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(story_submission()).case
    assert pending() == [({"args": [case.pk], "kwargs": {}}, at(2026, 3, 18, 9, 25, 1))]

    run_worker()  # started too early: nothing is due, nothing runs
    assert pending() == [({"args": [case.pk], "kwargs": {}}, at(2026, 3, 18, 9, 25, 1))]

    # The worker is down for a week; ack, feedback and completion deadlines all pass.
    clock.move_to(at(2026, 3, 26, 10, 0))
    run_worker()
    case.refresh_from_db()
    assert case.escalation_level == 3  # ack overdue + completion overdue + 25 March fully elapsed
    assert list(Escalation.objects.filter(case=case).values_list("level", "source")) == [
        (1, "task"),
        (2, "task"),
        (3, "task"),
    ]
    done = DBTaskResult.objects.filter(task_path="cases.tasks.check_case_deadlines", status="SUCCESSFUL")
    assert list(done.values_list("return_value", flat=True)) == [3]
    assert case.next_check_at == at(2026, 3, 27, 0, 0, 0)
    assert pending() == [({"args": [case.pk], "kwargs": {}}, at(2026, 3, 27, 0, 0, 0))]

    run_worker()  # running again at the same moment changes nothing
    assert Escalation.objects.filter(case=case).count() == 3

    clock.move_to(at(2026, 3, 27, 0, 0, 1))
    run_worker()
    case.refresh_from_db()
    assert (case.escalation_level, case.next_check_at, case.status) == (4, None, CaseStatus.DISPATCHED)
    assert pending() == []


def test_lost_tasks_are_caught_by_the_sweep(clock, django_capture_on_commit_callbacks):
    from cases.services import submit_case

    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(story_submission()).case
    DBTaskResult.objects.all().delete()  # e.g. a Redis queue flushed during an outage
    clock.move_to(at(2026, 3, 18, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("escalate_overdue", stdout=io.StringIO())
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert case.next_check_at == at(2026, 3, 19, 0, 0, 0)  # the feedback deadline is next
    assert pending() == [({"args": [case.pk], "kwargs": {}}, at(2026, 3, 19, 0, 0, 0))]
