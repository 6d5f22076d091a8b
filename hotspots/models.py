"""A hotspot: one (area, category) whose requests rose above their usual level, and what was done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case
from cms.models import Alley, Grid, RequestCategory


class HotspotLevel(models.TextChoices):
    ADDRESS = "address", "门牌地址"
    ALLEY = "alley", "街巷"
    GRID = "grid", "网格"


class HotspotStatus(models.TextChoices):
    OPEN = "open", "待处置"
    ACTED = "acted", "已转主动工单"
    DISMISSED = "dismissed", "已忽略"
    EXPIRED = "expired", "已回落"


class Hotspot(models.Model):
    level = models.CharField("范围", max_length=8, choices=HotspotLevel.choices)
    area_key = models.CharField("范围标识", max_length=255, help_text="网格编码、巷编码或规范化地址。")
    area_label = models.CharField("范围名称", max_length=255)
    grid = models.ForeignKey(Grid, models.PROTECT, related_name="+", verbose_name="网格")
    alley = models.ForeignKey(Alley, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="巷")
    address = models.CharField("代表地址", max_length=255, blank=True, help_text="反映最多的门牌地址，用于派单定位。")
    category = models.ForeignKey(RequestCategory, models.PROTECT, related_name="+", verbose_name="诉求分类")
    count = models.PositiveIntegerField("窗口内诉求数")
    expected = models.FloatField("常态水平（件/窗口）")
    p_value = models.FloatField("显著性（p 值）")
    window_hours = models.PositiveSmallIntegerField("窗口（小时）")
    tickets = models.JSONField("相关工单", default=list, blank=True)
    status = models.CharField("状态", max_length=12, choices=HotspotStatus.choices, default=HotspotStatus.OPEN)
    first_detected_at = models.DateTimeField("首次发现时间")
    last_detected_at = models.DateTimeField("最近确认时间")
    closed_at = models.DateTimeField("处置时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="处置人"
    )
    note = models.CharField("处置说明", max_length=255, blank=True)
    proactive_case = models.OneToOneField(
        Case, models.SET_NULL, null=True, blank=True, related_name="hotspot", verbose_name="主动工单"
    )

    class Meta:
        verbose_name = "诉求热点"
        verbose_name_plural = "诉求热点"
        ordering = ["-last_detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "area_key", "category"],
                condition=Q(status="open"),
                name="one_open_hotspot_per_area_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_label} · {self.category.name}（{self.count}件）"

    @property
    def ratio(self) -> float:
        return self.count / self.expected if self.expected else 0.0
