"""The two-level tree of request categories with the keywords residents use for them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin

from cms.fields import LinesField
from cms.units import UnitKind

from .departments import Department

LeadKind = UnitKind  # a category's default lead is one of the unit kinds


class RequestCategoryQuerySet(models.QuerySet):
    def leaves(self) -> RequestCategoryQuerySet:
        return self.filter(parent__isnull=False)

    def top_level(self) -> RequestCategoryQuerySet:
        return self.filter(parent__isnull=True)


class RequestCategory(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """Keywords decide routing, so edits are drafts until another person approves them (``approval``)."""

    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=64)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级分类",
        help_text="留空表示一级分类；叶子分类用于派单。",
    )
    default_lead_kind = models.CharField("默认主办类型", max_length=16, choices=LeadKind.choices, blank=True)
    default_lead_department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="led_categories",
        verbose_name="默认主办部门",
    )
    keywords = LinesField("关键词", split_commas=True, help_text="居民常用说法与规范用语，每行或用逗号分隔一个。")
    urgent_keywords = LinesField("紧急关键词", split_commas=True, help_text="命中即按紧急件办理，也作为分类依据。")
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = RequestCategoryQuerySet.as_manager()

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("code")]),
        FieldPanel("parent"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("default_lead_kind"), FieldPanel("default_lead_department")])],
            heading="默认主办",
        ),
        FieldPanel("keywords"),
        FieldPanel("urgent_keywords"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None

    @property
    def default_lead(self) -> str:
        """The reference form of the default lead: a department code, or grid/community/subdistrict."""
        if self.default_lead_kind == LeadKind.DEPARTMENT:
            return self.default_lead_department.code if self.default_lead_department_id else ""
        return self.default_lead_kind or ""

    def clean(self) -> None:
        errors = {}
        if self.parent_id and self.parent.parent_id:
            errors["parent"] = "诉求分类只有两级：上级分类必须是一级分类。"
        if self.parent_id and not self.default_lead_kind:
            errors["default_lead_kind"] = "叶子分类必须指定默认主办。"
        if self.default_lead_kind == LeadKind.DEPARTMENT and not self.default_lead_department_id:
            errors["default_lead_department"] = "默认主办类型为部门时，请选择部门。"
        if self.default_lead_kind != LeadKind.DEPARTMENT and self.default_lead_department_id:
            errors["default_lead_department"] = "只有默认主办类型为部门时才选择部门。"
        if errors:
            raise ValidationError(errors)
