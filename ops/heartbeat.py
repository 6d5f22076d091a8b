"""Heartbeats: each long-running process records when it last did its work, so /readyz and the
metrics can tell a stuck or missing worker from a healthy one on any node."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.utils import timezone

# Rows of processes silent for this long are removed by the next beat of their kind.
FORGET_AFTER = timedelta(days=1)


class Beater:
    """Writes the heartbeat row of this process; cheap enough to call on every loop iteration."""

    def __init__(self, kind: str, min_interval: float = 5.0) -> None:
        self.kind = kind
        self.host = socket.gethostname()[:64]
        self.pid = os.getpid()
        self.process = f"{kind}@{self.host}:{self.pid}"
        self.started_at = timezone.now()
        self.min_interval = min_interval
        self._last: datetime | None = None

    def beat(self, force: bool = False, **detail) -> None:
        """Record a sign of life (at most every ``min_interval`` seconds unless ``force``)."""
        from .models import Heartbeat

        now = timezone.now()
        if not force and self._last and (now - self._last).total_seconds() < self.min_interval:
            return
        Heartbeat.objects.update_or_create(
            process=self.process,
            defaults={
                "kind": self.kind,
                "host": self.host,
                "pid": self.pid,
                "started_at": self.started_at,
                "beat_at": now,
                "detail": detail,
            },
        )
        if self._last is None:
            Heartbeat.objects.filter(kind=self.kind, beat_at__lt=now - FORGET_AFTER).delete()
        self._last = now


def newest_beat(kind: str) -> datetime | None:
    from .models import Heartbeat

    return Heartbeat.objects.filter(kind=kind).order_by("-beat_at").values_list("beat_at", flat=True).first()


def age_seconds(kind: str, now: datetime | None = None) -> float | None:
    """Seconds since the newest heartbeat of ``kind`` on any node; None when there never was one."""
    beat = newest_beat(kind)
    if beat is None:
        return None
    return max(0.0, ((now or timezone.now()) - beat).total_seconds())
