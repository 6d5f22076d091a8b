"""Trained classifier versions: the plain-data artefact, its content hash and what it was trained on."""

from __future__ import annotations

from django.db import models


class ClassifierVersion(models.Model):
    """One trained model. Never changed after it is written; decisions record its ``label``."""

    class Trigger(models.TextChoices):
        COMMAND = "command", "命令行训练"
        PUBLISH = "publish", "规则发布后训练"
        ADMIN = "admin", "后台手动训练"

    number = models.PositiveIntegerField("版本号", unique=True)
    ruleset_version = models.PositiveIntegerField("对应规则版本", null=True, blank=True)
    sha256 = models.CharField("内容摘要", max_length=64)
    artefact = models.BinaryField("模型文件（npz）", editable=False)
    metrics = models.JSONField("交叉验证指标", default=dict, blank=True)
    training_counts = models.JSONField("训练数据", default=dict, blank=True)
    trigger = models.CharField("训练方式", max_length=16, choices=Trigger.choices, default=Trigger.COMMAND)
    trained_at = models.DateTimeField("训练时间", auto_now_add=True)

    class Meta:
        verbose_name = "分类模型版本"
        verbose_name_plural = "分类模型版本"
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What a decision records: the number and the start of the content hash."""
        return f"m{self.number}-{self.sha256[:8]}"
