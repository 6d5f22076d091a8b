"""The same deadline task on the Redis/RQ backend: scheduled in Redis, run by an RQ worker, escalates once."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cases.models import Escalation
from cases.tasks import check_case_deadlines

from .conftest import at

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis():
    import redis

    try:
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        connection.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis 不可用（{REDIS_URL}：{exc}）：跳过 RQ 后端测试")
    return connection


@pytest.fixture
def rq_backend(settings):
    connection = _redis()
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}):
        import django_rq.queues
        import django_rq.settings

        django_rq.settings.QUEUES = settings.RQ_QUEUES
        yield django_rq.queues.get_queue("default")
    connection.flushdb()


def test_deadline_task_runs_on_rq_and_escalates_once(story_case, clock, rq_backend):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    assert check_case_deadlines.get_backend().__class__.__name__ == "RQBackend"
    ack_due = story_case.ack_due
    result = check_case_deadlines.using(run_after=ack_due).enqueue(story_case.pk)
    assert result.id in rq_backend.scheduled_job_registry.get_job_ids()
    assert not Escalation.objects.filter(case=story_case).exists()

    clock.move_to(at(2026, 3, 18, 9, 30))  # the 24-hour report-in deadline has passed, nobody reported in
    worker = SimpleWorker([rq_backend], connection=rq_backend.connection, job_class=Job)
    worker.work(burst=True, with_scheduler=True)
    assert list(Escalation.objects.filter(case=story_case).values_list("level", flat=True)) == [1]

    check_case_deadlines.using(run_after=ack_due).enqueue(story_case.pk)  # a duplicate wake-up
    worker.work(burst=True, with_scheduler=True)
    assert Escalation.objects.filter(case=story_case).count() == 1
