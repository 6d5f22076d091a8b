"""The working calendar as administrators keep it: years, the days that differ from Mon–Fri, versions.

Each edit freezes the whole table into a new ``CalendarVersion``; deadlines are computed on the
latest version and record its number, so a later edit never rewrites an earlier deadline.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from cms.forms import CalendarDayForm

FIRST_YEAR = 1950
LAST_YEAR = 2100


class CalendarStatus(models.TextChoices):
    ESTIMATED = "estimated", "估算"
    OFFICIAL = "official", "已确认官方安排"


class DaySource(models.TextChoices):
    OFFICIAL = "official", "官方"
    ESTIMATED = "estimated", "估算"
    ADMIN = "admin", "管理员"


def plain_week_working(day: date) -> bool:
    """The default the table deviates from: Monday to Friday work, Saturday and Sunday rest."""
    return day.weekday() < 5


class CalendarYear(models.Model):
    """One year of the table; until an administrator confirms it, its days are an estimate."""

    year = models.PositiveSmallIntegerField(
        "年份", unique=True, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    status = models.CharField("状态", max_length=16, choices=CalendarStatus.choices, default=CalendarStatus.ESTIMATED)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    panels = [FieldPanel("year"), FieldPanel("note")]

    class Meta:
        verbose_name = "工作日历年份"
        verbose_name_plural = "工作日历"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年（{self.get_status_display()}）"

    @property
    def is_official(self) -> bool:
        return self.status == CalendarStatus.OFFICIAL

    def clean(self) -> None:
        if self.pk:
            stored = CalendarYear.objects.filter(pk=self.pk).values_list("year", flat=True).first()
            if stored is not None and stored != self.year:
                raise ValidationError({"year": f"年份添加后不能修改（原为{stored}年）；如需其他年份，请新增一年。"})


class CalendarDay(models.Model):
    """A holiday on a weekday or a make-up workday on a weekend; every other day follows Mon–Fri."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日", help_text="勾选：调休上班日；不勾选：法定节假日或调休休息日。")
    name = models.CharField("名称", max_length=64, blank=True, help_text="例如：国庆节、调休上班。")
    source = models.CharField("来源", max_length=16, choices=DaySource.choices, default=DaySource.ADMIN)

    base_form_class = CalendarDayForm
    panels = [FieldRowPanel([FieldPanel("date"), FieldPanel("is_working_day")]), FieldPanel("name")]

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_working_day else "放假"
        return f"{self.date:%Y-%m-%d} {self.name or kind}（{kind}）"

    def clean(self) -> None:
        if self.date is None:
            return
        if not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            raise ValidationError({"date": f"日期须在{FIRST_YEAR}—{LAST_YEAR}年之间。"})
        if self.is_working_day == plain_week_working(self.date):
            usual = "工作日" if self.is_working_day else "休息日"
            raise ValidationError(
                {
                    "is_working_day": f"{self.date:%Y-%m-%d}按周一至周五上班本来就是{usual}，无需录入；"
                    "只需录入放假的工作日和调休上班的周末。如要取消一条调整，请删除它。"
                }
            )


class CalendarVersion(models.Model):
    """An immutable copy of the whole table after one edit; deadlines record its number."""

    number = models.PositiveIntegerField("版本号", unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )
    summary = models.CharField("变更说明", max_length=255)
    years = models.JSONField("年份状态", default=dict, help_text="年份 → official/estimated。")
    days = models.JSONField("调整日", default=list, help_text="[{date, working, name}]，按日期排序。")

    class Meta:
        verbose_name = "工作日历版本"
        verbose_name_plural = "工作日历版本"
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"日历第{self.number}版"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("工作日历版本一经生成不可修改；请编辑工作日历，系统会生成新版本。")
        super().save(*args, **kwargs)

    def official_years(self) -> list[int]:
        return sorted(int(y) for y, status in self.years.items() if status == CalendarStatus.OFFICIAL)
