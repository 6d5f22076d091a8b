"""Helpers for the case received just before 国庆 2026 (fixtures ``holiday_case``, ``holiday_clock``).

The official 2026 schedule (``holidays.China``): 1–7 October off, Sunday 20 September and
Saturday 10 October are make-up workdays. Working days after Tuesday 29 September therefore run
30 Sep, 8 Oct, 9 Oct, 10 Oct (Saturday, make-up), 12 Oct, 13 Oct, …
"""

from __future__ import annotations

from cases import services

REASON = "不属于本单位职责"


def lead_of(case):
    return case.assignments.get(active=True, role="lead")


def handle(case, people):
    """Both units report in; the lead starts and gives feedback on the day of receipt."""
    lead = lead_of(case)
    services.acknowledge(lead, actor=people["drain"])
    services.acknowledge(case.assignments.get(unit_code="dept-water"), actor=people["water"])
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="已安排人员现场查看")
    case.refresh_from_db()
    return lead
