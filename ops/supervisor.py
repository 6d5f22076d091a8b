"""A small process supervisor for one machine: starts the web server, task workers and the sweep,
restarts any that exits (backoff 1 s doubling to 30 s, reset after a minute of running), and
stops them all on SIGINT/SIGTERM. ``make run`` uses it; a deployment uses systemd (deploy/)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

logger = logging.getLogger("ops.supervisor")

STABLE_AFTER = 60.0  # a child that ran this long starts again from the shortest backoff
MAX_BACKOFF = 30.0
STOP_TIMEOUT = 15.0


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures: int = 0
    restart_at: float | None = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(list(self.argv), env=self.env)
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("已启动 %s（pid %s）", self.name, self.process.pid)


class Supervisor:
    def __init__(self, children: Sequence[Child], poll: float = 0.5) -> None:
        self.children = list(children)
        self.poll = poll
        self.stopping = False

    def request_stop(self, signum: int = signal.SIGTERM, frame: object = None) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        try:
            for child in self.children:
                child.start()
            while not self.stopping:
                self.tick()
                time.sleep(self.poll)
        finally:
            self.stop()

    def tick(self, now: float | None = None) -> None:
        """Restart children that exited, once their backoff has passed."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    child.start()
                continue
            code = child.process.poll() if child.process else 0
            if code is None:
                continue
            child.failures = 0 if now - child.started_at >= STABLE_AFTER else child.failures + 1
            delay = min(MAX_BACKOFF, 2 ** max(child.failures - 1, 0)) if child.failures else 0.5
            child.restart_at = now + delay
            logger.warning("%s（pid %s）已退出，代码 %s；%.1f 秒后重启", child.name, child.process.pid, code, delay)

    def stop(self) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def prepare_metrics_dir(path: str) -> dict[str, str]:
    """An empty PROMETHEUS_MULTIPROC_DIR for this run (files of earlier runs would be counted)."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
    return {"PROMETHEUS_MULTIPROC_DIR": path}
