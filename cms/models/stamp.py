"""A database counter that every process polls to notice configuration changes without a restart."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F


class ConfigStamp(models.Model):
    generation = models.BigIntegerField("配置代数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "配置变更标记"
        verbose_name_plural = "配置变更标记"

    def __str__(self) -> str:
        return f"第{self.generation}代"

    @classmethod
    def current(cls) -> int:
        value = cls.objects.filter(pk=1).values_list("generation", flat=True).first()
        return value or 0

    @classmethod
    def bump(cls) -> None:
        """Advance the generation once the surrounding transaction commits."""

        def _bump() -> None:
            if not cls.objects.filter(pk=1).update(generation=F("generation") + 1):
                cls.objects.get_or_create(pk=1, defaults={"generation": 1})

        transaction.on_commit(_bump)
