"""Finding 8: a flood of reports at one address neither pushes it up the escalation ladder nor slows
intake there. The repeat rule counts distinct reporters, capped per source, from one bounded query."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseStatus
from cases.repeats import repeat_history
from cases.services import submit_case
from cms.models import HandlingPolicy, RequestCategory
from tests.cases.conftest import STORY_ADDRESS, STORY_RECEIVED, story_submission

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("people", "clock")]

SEWER_TEXT = "芙蓉街16号院下水道又堵了，污水往外漫。"


def flood(count: int, *, source: str = "ip:203.0.113.9", phones: bool = True, start: int = 0) -> None:
    """``count`` earlier sewer reports at the story address, all from ``source``."""
    sewer = RequestCategory.objects.get(code="cat-drain-sewer")
    Case.objects.bulk_create(
        Case(
            ticket_number=f"LX20260316{start + i:06d}",
            request_type="投诉",
            channel="web",
            text=SEWER_TEXT,
            address=STORY_ADDRESS,
            address_key="",
            category=sewer,
            status=CaseStatus.DISPATCHED,
            reporter_phone=f"139{start + i:08d}" if phones else "",
            source=source,
            received_at=STORY_RECEIVED - timedelta(hours=1, seconds=i),
        )
        for i in range(count)
    )


def submit(**overrides):
    return submit_case(story_submission(text=SEWER_TEXT, **overrides)).case


def test_a_thousand_reports_from_one_source_count_as_three_reporters():
    flood(1100)
    case = submit(reporter_phone="13812345678")
    history = repeat_history(case, 30)
    assert len(history) == HandlingPolicy.load().repeat_cap_per_source == 3
    assert case.escalation_level == 3  # 3 earlier + this one reaches the rule's threshold of 3: as three callers would


def test_the_same_phone_again_and_again_is_one_reporter():
    flood(1100, phones=False)  # no phone: the source stands for the reporter
    case = submit(reporter_phone="13812345678")
    assert len(repeat_history(case, 30)) == 1
    assert case.initial_level == 0 and "route-repeat-complaint" not in case.fired_rules


def test_a_resident_reporting_again_does_not_count_themself():
    flood(1, source="key:1")
    first = Case.objects.get()
    first.reporter_phone = "13812345678"
    first.save()
    case = submit(reporter_phone="138-1234-5678")
    assert repeat_history(case, 30) == []


def test_the_cap_is_the_districts_setting():
    policy = HandlingPolicy.load()
    policy.repeat_cap_per_source = 1
    policy.save()
    flood(50)
    case = submit(reporter_phone="13812345678")
    assert len(repeat_history(case, 30)) == 1
    assert case.initial_level == 0


def test_distinct_sources_still_add_up():
    for n, source in enumerate(["key:1", "key:2", "ip:198.51.100.7"]):
        flood(1, source=source, start=n)
    case = submit(reporter_phone="13812345678")
    assert len(repeat_history(case, 30)) == 3
    assert "route-repeat-complaint" in case.fired_rules


def _timed_submit(n: int) -> tuple[list[str], float]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        submit(reporter_phone="13812345678", idempotency_key=f"bench-{n}")
        elapsed = time.perf_counter() - started
    # The same statements whatever the flood (savepoint names differ; the once-a-second check for new
    # rules, ADR 0002, comes and goes with the clock).
    statements = [re.sub(r"s\d+_x\d+", "sp", q["sql"].split(" WHERE ")[0].split(" SET ")[0][:80]) for q in queries]
    return [s for s in statements if "cms_configstamp" not in s], elapsed


def test_intake_cost_does_not_grow_with_the_cases_at_one_address(capsys):
    flood(10, source="key:9", start=900000)
    submit(reporter_phone="13800000000", idempotency_key="warm-up")
    few_queries, few_seconds = _timed_submit(1)
    flood(1100, start=0)
    many_queries, many_seconds = _timed_submit(2)
    assert many_queries == few_queries
    with capsys.disabled():
        print(
            f"\nintake at one address: 10 cases {few_seconds * 1000:.0f} ms, 1,110 cases {many_seconds * 1000:.0f} ms"
        )
