"""Deadline wake-ups on Django's Tasks API. Deadlines live on the case; a task only says "look now".

A task that runs twice, late, or beside the sweep changes nothing extra: the work is
``escalate_if_overdue``, which recomputes the level and records each level once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def check_case_deadlines(case_id: int) -> int | None:
    from .escalation import escalate_if_overdue

    outcome = escalate_if_overdue(case_id, source="task")
    return outcome.level if outcome else None


def schedule_check(case_id: int, at: datetime) -> None:
    """Enqueue a wake-up for ``at`` once the current transaction commits.

    A backend without scheduled execution, or one that is down, only costs timeliness:
    ``manage.py escalate_overdue`` finds the case through its ``next_check_at``.
    """

    def enqueue() -> None:
        try:
            if not check_case_deadlines.get_backend().supports_defer:
                return
            check_case_deadlines.using(run_after=at).enqueue(case_id)
        except Exception:
            logger.exception("无法为工单 %s 安排 %s 的时限检查，将由定时巡检补上", case_id, at.isoformat())

    transaction.on_commit(enqueue)
