"""python manage.py task_worker — django-tasks-db's ``db_worker`` that survives a lost database.

The stock worker exits for good when its connection is cut. This one backs off (1 s doubling to
30 s), reconnects and goes on, and writes a heartbeat every few seconds that /readyz and the
metrics read. A task that was running when the database went away is left to the deadline
sweep (``escalate_overdue``), which repairs whatever a lost task missed.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from ops.heartbeat import Beater
from ops.models import Heartbeat
from ops.resilience import Backoff, drop_connections

logger = logging.getLogger("ops.task_worker")

HEARTBEAT_SECONDS = 5.0


class ResilientWorker(Worker):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.beater = Beater(Heartbeat.Kind.TASK_WORKER, min_interval=0)
        self.reconnects = 0
        self._stop = threading.Event()

    def run(self) -> None:
        threading.Thread(target=self._heartbeats, name="heartbeat", daemon=True).start()
        backoff = Backoff()
        try:
            while self.running:
                try:
                    super().run()
                    return  # --batch or --max-tasks finished
                except DatabaseError as exc:
                    self.running_task = False
                    delay = backoff.next_delay()
                    self.reconnects += 1
                    logger.warning("后台任务进程：数据库不可用（%s），%.1f 秒后重连", exc.__class__.__name__, delay)
                    drop_connections()
                    time.sleep(delay)
        finally:
            self._stop.set()

    def _heartbeats(self) -> None:
        """Its own thread and connection, so a long task does not look like a dead worker."""
        while not self._stop.is_set():
            try:
                self.beater.beat(worker_id=self.worker_id, tasks_run=self._run_tasks, reconnects=self.reconnects)
            except DatabaseError:
                drop_connections()
            self._stop.wait(HEARTBEAT_SECONDS)
        connection.close()


class Command(DbWorkerCommand):
    help = "运行后台任务进程（django-tasks-db），数据库断开后退避重连并继续，定时写入心跳。"

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool, backend_name: str,
               startup_delay: bool, reload: bool, max_tasks: int | None, worker_id: str, exclude_queues: str,
               **options) -> None:  # fmt: skip
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
