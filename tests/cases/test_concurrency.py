"""Real races on real connections: threads commit, so these tests clean up after themselves.

They do not use the test transaction (each thread needs to see the others' commits). On
PostgreSQL the row locks serialise the racers; on SQLite the lock errors are retried.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from cases import services
from cases.errors import AlreadyAcknowledged
from cases.escalation import escalate_if_overdue
from cases.models import Acknowledgement, Assignment, Case, CaseEvent, Escalation, EventKind, TicketCounter
from cms.models import Department, StaffMember, StaffRole

from .conftest import at, story_submission


def race(*actions: Callable[[], object]) -> list[object]:
    """Start the actions together, each on its own connection; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def in_thread(action: Callable[[], object]) -> object:
    (result,) = race(action)
    if isinstance(result, Exception):
        raise result
    return result


# The marker makes pytest-django create the test database; the threads use their own connections.
pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(reference_import_summary):
    """Committed rows made by threads, removed afterwards (the test transaction cannot roll them back)."""
    name = str(connection.settings_dict["NAME"])
    assert name.startswith("file:memorydb") or "test" in name, f"refusing to write outside a test database: {name}"
    made: dict[str, list[int]] = {"cases": [], "users": [], "departments": []}
    last_case = in_thread(lambda: Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    yield made

    def cleanup() -> None:
        from django.contrib.auth import get_user_model
        from django_tasks_db.models import DBTaskResult

        Case.objects.filter(pk__gt=last_case).delete()  # whatever the threads made, even if a test failed
        StaffMember.objects.filter(user_id__in=made["users"]).delete()
        get_user_model().objects.filter(pk__in=made["users"]).delete()
        Department.objects.filter(pk__in=made["departments"]).delete()
        TicketCounter.objects.all().delete()
        DBTaskResult.objects.all().delete()

    in_thread(cleanup)


def test_two_officers_acknowledge_at_the_same_moment(committed):
    from django.contrib.auth import get_user_model

    def setup():
        dept = Department.objects.create(code="dept-race", name="并发测试部门")
        users = []
        for name in ("race1", "race2"):
            user = get_user_model().objects.create_user(name)
            StaffMember.objects.create(name=name, role=StaffRole.DEPARTMENT_OFFICER, department=dept, user=user)
            users.append(user)
        case = Case.objects.create(
            ticket_number="LXRACE000001",
            request_type="投诉",
            channel="web",
            text="并发报到",
            received_at=timezone.now(),
            status="dispatched",
        )
        assignment = Assignment.objects.create(
            case=case,
            role="lead",
            unit_kind="department",
            unit_code="dept-race",
            department=dept,
            dispatched_at=timezone.now(),
        )
        committed["cases"].append(case.pk)
        committed["users"] += [u.pk for u in users]
        committed["departments"].append(dept.pk)
        return users, assignment

    (first, second), assignment = in_thread(setup)
    results = race(
        lambda: services.acknowledge(assignment.pk, actor=first),
        lambda: services.acknowledge(assignment.pk, actor=second),
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyAcknowledged", "Assignment"]
    assert isinstance(next(r for r in results if isinstance(r, Exception)), AlreadyAcknowledged)
    counts = in_thread(
        lambda: (
            Acknowledgement.objects.filter(assignment_id=assignment.pk).count(),
            CaseEvent.objects.filter(case_id=assignment.case_id, kind=EventKind.ACKNOWLEDGED).count(),
        )
    )
    assert counts == (1, 1)


def test_two_retries_with_one_key_make_one_case(committed):
    submission = story_submission(idempotency_key="race-key-1")
    results = race(lambda: services.submit_case(submission), lambda: services.submit_case(submission))
    assert not [r for r in results if isinstance(r, Exception)], results
    committed["cases"] += sorted({r.case.pk for r in results})
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].case.pk == results[1].case.pk
    assert in_thread(lambda: Case.objects.filter(idempotency_key="race-key-1").count()) == 1


def test_task_and_sweep_at_once_escalate_once(committed):
    case = in_thread(lambda: services.submit_case(story_submission(), now=at(2026, 3, 17, 9, 25)).case)
    committed["cases"].append(case.pk)
    moment = at(2026, 3, 26, 10, 0)
    results = race(
        lambda: escalate_if_overdue(case.pk, moment, source="task"),
        lambda: escalate_if_overdue(case.pk, moment, source="sweep"),
        lambda: escalate_if_overdue(case.pk, moment, source="task"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.escalated for r in results) == [False, False, True]
    rows = in_thread(
        lambda: (
            list(Escalation.objects.filter(case_id=case.pk).values_list("level", flat=True)),
            CaseEvent.objects.filter(case_id=case.pk, kind=EventKind.ESCALATED).count(),
        )
    )
    assert rows == ([1, 2, 3], 1)
