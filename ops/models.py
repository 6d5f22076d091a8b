"""Heartbeats of the long-running processes, shared by every node through the database."""

from django.db import models


class Heartbeat(models.Model):
    """The last sign of life of one process (a task worker or the deadline sweep)."""

    class Kind(models.TextChoices):
        TASK_WORKER = "task_worker", "后台任务进程"
        SWEEP = "sweep", "时限巡检进程"

    process = models.CharField("进程", max_length=128, unique=True, help_text="种类@主机:进程号")
    kind = models.CharField("种类", max_length=16, choices=Kind.choices)
    host = models.CharField("主机", max_length=64)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间")
    beat_at = models.DateTimeField("最近心跳", db_index=True)
    detail = models.JSONField("附加信息", default=dict, blank=True)

    class Meta:
        verbose_name = "进程心跳"
        verbose_name_plural = "进程心跳"
        indexes = [models.Index(fields=["kind", "beat_at"], name="ops_heartbeat_kind_beat")]

    def __str__(self) -> str:
        return self.process
