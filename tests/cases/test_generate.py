"""``manage.py generate_cases``: realistic, consistent rows that real intake numbers continue from."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum

from cases import services
from cases.escalation import sweep_overdue
from cases.models import Assignment, Case, CaseStatus, TicketCounter

from .conftest import at, story_submission

pytestmark = pytest.mark.usefixtures("people", "clock")


def test_generate_cases_makes_consistent_cases_with_a_progress_bar(clock):
    clock.move_to(at(2026, 6, 30, 12, 0))
    out = io.StringIO()
    call_command("generate_cases", "--count", "500", "--days", "90", "--seed", "7", "--batch-size", "200", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-2].startswith("[##############################] 100.0% 500/500")
    assert lines[-1].startswith("已生成 500 件工单")
    assert Case.objects.count() == 500
    assert TicketCounter.objects.aggregate(n=Sum("last"))["n"] == 500
    assert Case.objects.values("ticket_number").distinct().count() == 500
    leads = Case.objects.annotate(leads=Count("assignments", filter=Q(assignments__role="lead"))).values_list(
        "leads", flat=True
    )
    assert set(leads) == {1}
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert (
        closed.filter(Q(satisfaction="") | Q(resolved_at__isnull=True) | Q(handling_seconds__isnull=True)).count() == 0
    )
    assert Case.objects.filter(status__in=[CaseStatus.DISPATCHED], next_check_at__isnull=True).count() == 0
    co = Assignment.objects.filter(role="co")
    assert co.exists() and not co.exclude(unit_code__startswith="dept-").exists()  # whistle co-handlers

    # Real intake continues the day's numbering after the generated cases.
    today = TicketCounter.objects.get(day=at(2026, 6, 30, 12, 0).date()).last
    case = services.submit_case(story_submission()).case
    assert case.ticket_number == f"LX20260630{today + 1:06d}"

    # The sweep catches up on every generated overdue case it is pointed at, once.
    due = Case.objects.filter(next_check_at__lte=at(2026, 6, 30, 12, 0)).count()
    result = sweep_overdue()
    assert (result.checked, result.failed) == (due, 0)
    assert sweep_overdue().escalated == 0


def test_generate_cases_refuses_bad_arguments():
    with pytest.raises(CommandError, match="--count 必须是正整数。"):
        call_command("generate_cases", "--count", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--open-ratio 应在 0 到 1 之间。"):
        call_command("generate_cases", "--count", "5", "--open-ratio", "2", stdout=io.StringIO())
