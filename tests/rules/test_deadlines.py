"""Due times per sla.json: natural-hour acknowledgement, same-day urgent feedback, working-day limits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from rules.deadlines import compute_deadlines, parse_received_at

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def iso(deadlines):
    return (
        deadlines.ack_due.isoformat(),
        deadlines.feedback_due.isoformat(),
        deadlines.complete_due.isoformat(),
        deadlines.calendar_estimated,
    )


@pytest.mark.parametrize(
    ("received", "type_", "urgent", "expected"),
    [
        (
            "2026-09-30T19:40:00+08:00",
            "投诉",
            True,
            ("2026-09-30T20:40:00+08:00", "2026-09-30T23:59:59+08:00", "2026-10-10T23:59:59+08:00", False),
        ),
        (
            "2026-09-30T19:40:00+08:00",
            "投诉",
            False,
            ("2026-10-01T19:40:00+08:00", "2026-10-08T23:59:59+08:00", "2026-10-13T23:59:59+08:00", False),
        ),
        (
            "2026-03-09T10:15:00+08:00",
            "咨询",
            False,
            ("2026-03-10T10:15:00+08:00", "2026-03-10T23:59:59+08:00", "2026-03-10T23:59:59+08:00", False),
        ),
        (  # urgent consultation: same-day feedback, still one working day to complete
            "2026-03-09T10:15:00+08:00",
            "咨询",
            True,
            ("2026-03-09T11:15:00+08:00", "2026-03-09T23:59:59+08:00", "2026-03-10T23:59:59+08:00", False),
        ),
        (
            "2026-07-06T09:40:00+08:00",
            "建议",
            False,
            ("2026-07-07T09:40:00+08:00", "2026-07-08T23:59:59+08:00", "2026-07-13T23:59:59+08:00", False),
        ),
        (  # urgent on a Saturday: feedback the same calendar day, working days from Monday
            "2026-03-21T20:10:00+08:00",
            "投诉",
            True,
            ("2026-03-21T21:10:00+08:00", "2026-03-21T23:59:59+08:00", "2026-03-25T23:59:59+08:00", False),
        ),
        (  # into 2027: estimated calendar
            "2026-12-28T08:30:00+08:00",
            "投诉",
            False,
            ("2026-12-29T08:30:00+08:00", "2026-12-29T23:59:59+08:00", "2027-01-05T23:59:59+08:00", True),
        ),
        (  # the acknowledgement crosses midnight and the year, nothing else does
            "2026-12-31T23:30:00+08:00",
            "求助",
            True,
            ("2027-01-01T00:30:00+08:00", "2026-12-31T23:59:59+08:00", "2027-01-06T23:59:59+08:00", True),
        ),
    ],
)
def test_deadlines(reference, received, type_, urgent, expected):
    assert iso(compute_deadlines(at(received), type_, urgent, reference)) == expected


def test_the_receipt_day_is_taken_in_shanghai_whatever_the_offset(reference):
    # 16:30 UTC on 12 May is 00:30 on 13 May in Jinan: counting starts after the 13th.
    deadlines = compute_deadlines(at("2026-05-12T16:30:00+00:00"), "投诉", False, reference)
    assert deadlines.ack_due.isoformat() == "2026-05-14T00:30:00+08:00"
    assert deadlines.feedback_due.isoformat() == "2026-05-14T23:59:59+08:00"
    assert deadlines.complete_due.isoformat() == "2026-05-20T23:59:59+08:00"


def test_naive_timestamps_are_local_time():
    assert parse_received_at("2026-05-12T23:20:00", SHANGHAI).isoformat() == "2026-05-12T23:20:00+08:00"
    assert parse_received_at("2026-05-12T15:20:00Z", SHANGHAI).isoformat() == "2026-05-12T23:20:00+08:00"


def test_unknown_request_type_has_no_time_limit(reference):
    with pytest.raises(KeyError, match="配置办理时限"):
        compute_deadlines(at("2026-05-12T10:00:00+08:00"), "表扬", False, reference)
