"""What staff reuse when they answer residents: reply templates and the response priorities of a case.

Modelled on FixMyStreet's ResponseTemplate and ResponsePriority; both are limited to categories
(none chosen = every category) and are edited by administrators in the snippet menu.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from .categories import RequestCategory


class ReplyUsage(models.TextChoices):
    FEEDBACK = "feedback", "反馈"
    RESOLVE = "resolve", "办结"
    CALLBACK = "callback", "回访"


# The placeholders a template may use; the case supplies their values when a template is rendered.
PLACEHOLDERS = ("工单号", "地址", "分类", "承办单位", "受理时间")
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]{1,16})\}")


class CategoryScopedQuerySet(models.QuerySet):
    def for_category(self, category: RequestCategory | int | None) -> QuerySet:
        """Rows for this category (a leaf also matches rows chosen for its parent) and rows for every category."""
        unrestricted = Q(categories__isnull=True)
        if category is None:
            return self.filter(unrestricted).distinct()
        if not isinstance(category, RequestCategory):
            category = RequestCategory.objects.get(pk=category)
        ids = [category.pk, *([category.parent_id] if category.parent_id else [])]
        return self.filter(unrestricted | Q(categories__in=ids)).distinct()


class ReplyTemplate(models.Model):
    """A reply text staff insert into a feedback, a resolution or a callback note, then adapt."""

    title = models.CharField("标题", max_length=100)
    text = models.TextField(
        "模板内容",
        help_text="可用占位符：" + "、".join(f"{{{p}}}" for p in PLACEHOLDERS) + "，插入时替换为本工单的内容。",
    )
    use_feedback = models.BooleanField("用于反馈", default=True)
    use_resolve = models.BooleanField("用于办结", default=False)
    use_callback = models.BooleanField("用于回访", default=False)
    categories = models.ManyToManyField(
        RequestCategory,
        blank=True,
        related_name="reply_templates",
        verbose_name="适用分类",
        help_text="不选表示适用于全部分类；选一级分类即适用于其下全部分类。",
    )
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = CategoryScopedQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("text"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("use_feedback"), FieldPanel("use_resolve"), FieldPanel("use_callback")])],
            heading="用途",
        ),
        FieldPanel("categories"),
        FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
    ]

    class Meta:
        verbose_name = "回复模板"
        verbose_name_plural = "回复模板"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def usage_field(usage: str) -> str:
        """The flag that marks a usage; raises ValueError for anything but 反馈/办结/回访."""
        return f"use_{ReplyUsage(usage).value}"

    @property
    def usages(self) -> list[str]:
        return [u.label for u in ReplyUsage if getattr(self, self.usage_field(u))]

    def render(self, values: Mapping[str, str]) -> str:
        """The text with each known placeholder replaced by plain text; anything else stays as written.

        Plain substitution, never ``str.format``: a template cannot reach attributes of the values.
        """
        return PLACEHOLDER_RE.sub(
            lambda m: str(values.get(m.group(1), "")) if m.group(1) in PLACEHOLDERS else m.group(0), self.text
        )

    def clean(self) -> None:
        errors = {}
        unknown = sorted({name for name in PLACEHOLDER_RE.findall(self.text or "") if name not in PLACEHOLDERS})
        if unknown:
            known = "、".join(f"{{{p}}}" for p in PLACEHOLDERS)
            errors["text"] = f"不认识的占位符：{'、'.join(f'{{{n}}}' for n in unknown)}。可用的占位符有{known}。"
        if not (self.use_feedback or self.use_resolve or self.use_callback):
            errors["use_feedback"] = "请至少选择一种用途（反馈、办结或回访）。"
        if errors:
            raise ValidationError(errors)


class ResponsePriority(models.Model):
    """How urgently the dispatcher wants a case handled, beyond the rules' 紧急/一般 (e.g. 优先处理)."""

    name = models.CharField("名称", max_length=50)
    description = models.TextField("说明", blank=True)
    categories = models.ManyToManyField(
        RequestCategory,
        blank=True,
        related_name="response_priorities",
        verbose_name="适用分类",
        help_text="不选表示适用于全部分类；选一级分类即适用于其下全部分类。",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = CategoryScopedQuerySet.as_manager()

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("categories"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = "办理优先级"
        verbose_name_plural = "办理优先级"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name
