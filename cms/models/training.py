"""What the request classifier learns from: the district's case history and administrators' examples.

Examples (示例诉求) are edited with revisions; a dispatcher's category correction arrives as a
candidate that a reviewer confirms (启用) or rejects. Only confirmed examples are trained on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import RevisionMixin

from .categories import RequestCategory
from .timelimits import RequestType


class ExampleStatus(models.TextChoices):
    CANDIDATE = "candidate", "待审核"
    ACTIVE = "active", "启用"
    REJECTED = "rejected", "已驳回"
    RETIRED = "retired", "已停用"


class ExampleSource(models.TextChoices):
    ADMIN = "admin", "管理员录入"
    DISPATCHER = "dispatcher", "调度员改分类"


class ExampleRequest(RevisionMixin, models.Model):
    """A request written the way residents write, with the category it belongs to (示例诉求)."""

    category = models.ForeignKey(
        RequestCategory,
        models.PROTECT,
        related_name="examples",
        verbose_name="诉求分类",
        limit_choices_to={"parent__isnull": False},
    )
    text = models.TextField("诉求内容", help_text="按居民或话务员的原话填写，一条诉求一个示例。")
    urgent = models.BooleanField("紧急件", default=False, help_text="此类说法表示正在发生的险情时勾选。")
    status = models.CharField("状态", max_length=16, choices=ExampleStatus.choices, default=ExampleStatus.ACTIVE)
    source = models.CharField("来源", max_length=16, choices=ExampleSource.choices, default=ExampleSource.ADMIN)
    case_ticket = models.CharField("来源工单号", max_length=20, blank=True)
    previous_category = models.CharField("原判分类", max_length=64, blank=True)
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    panels = [
        FieldPanel("category"),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("urgent"), FieldPanel("status")]),
        FieldPanel("note"),
    ]

    class Meta:
        verbose_name = "示例诉求"
        verbose_name_plural = "示例诉求"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_ticket"],
                condition=~models.Q(case_ticket=""),
                name="example_request_one_per_case",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self) -> None:
        if not self.text or not self.text.strip():
            raise ValidationError({"text": "请填写诉求内容。"})
        if self.category_id and self.category.parent_id is None:
            raise ValidationError({"category": "请选择叶子分类（二级分类）。"})


class HistoricalCase(models.Model):
    """A past request with the category dispatchers confirmed (imported from ``case_history.jsonl``)."""

    code = models.SlugField("编号", max_length=32, unique=True)
    request_type = models.CharField("诉求类型", max_length=8, choices=RequestType.choices)
    channel = models.CharField("来源渠道", max_length=16, blank=True)
    text = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=255, blank=True)
    received_at = models.DateTimeField("受理时间", null=True, blank=True)
    category = models.ForeignKey(
        RequestCategory, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="确认分类"
    )
    urgent = models.BooleanField("紧急件", default=False)
    secondary_categories = models.JSONField("其他问题分类", default=list, blank=True)

    class Meta:
        verbose_name = "历史诉求"
        verbose_name_plural = "历史诉求（训练数据）"
        ordering = ["-received_at", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


@register_setting(icon="cogs")
class ClassifierSettings(BaseGenericSetting):
    """How sure the classifier must be before a case is dispatched without a person."""

    auto_dispatch_confidence = models.FloatField(
        "自动派单最低置信度",
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=(
            "分类模型的置信度低于此值时转人工派单，并给出三个建议分类。"
            "0.3 时历史诉求交叉验证约 95% 自动派单、准确率约 90%。"
        ),
    )

    panels = [FieldPanel("auto_dispatch_confidence")]

    class Meta:
        verbose_name = "智能分类设置"
        verbose_name_plural = "智能分类设置"
