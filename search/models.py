"""What administrators tune and what residents asked: synonyms, promoted results, the query log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Avg, Count, Max, Min, Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, PageChooserPanel

from .synonyms import parse_synonyms
from .text import MAX_QUERY_CHARS, normalize

#: The page types a promotion may point to (the only ones in the search index).
PROMOTABLE_PAGE_TYPES = ("cms.ServiceItemPage", "cms.PolicyPage")


class SearchSynonym(models.Model):
    """One line of the synonym list, in the Solr format both backends read."""

    terms = models.CharField(
        "同义词",
        max_length=500,
        help_text="意思相同的词用逗号分隔，如「社保, 社会保险」；居民说法只指向规范用语时用 =>，如「没工作 => 失业」。",
    )
    enabled = models.BooleanField("启用", default=True)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    panels = [FieldPanel("terms"), FieldRowPanel([FieldPanel("enabled"), FieldPanel("note")])]

    class Meta:
        verbose_name = "同义词"
        verbose_name_plural = "同义词"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.terms

    @property
    def is_one_way(self) -> bool:
        return "=>" in self.terms

    def clean(self) -> None:
        self.terms = " ".join(self.terms.split())
        parsed = parse_synonyms([self.terms])
        if not parsed.groups and not parsed.one_way:
            raise ValidationError(
                {"terms": "至少写两个词并用逗号分隔（如「社保, 社会保险」），或写成「居民说法 => 规范用语」。"}
            )


class SearchPromotion(models.Model):
    """A page pinned to the top of the results for one query (after normalisation)."""

    query = models.CharField("搜索词", max_length=100, help_text="居民输入这个词时（忽略大小写、全半角和繁简）置顶。")
    page = models.ForeignKey(
        "wagtailcore.Page",
        models.CASCADE,
        related_name="+",
        verbose_name="推荐页面",
        help_text="服务事项或政策文件；未发布的页面不会出现在结果中。",
    )
    order = models.PositiveSmallIntegerField("排序", default=0, help_text="同一搜索词下数字小的排在前面。")
    active = models.BooleanField("启用", default=True)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    panels = [
        FieldPanel("query"),
        PageChooserPanel("page", list(PROMOTABLE_PAGE_TYPES)),
        FieldRowPanel([FieldPanel("order"), FieldPanel("active")]),
        FieldPanel("note"),
    ]

    class Meta:
        verbose_name = "推荐结果"
        verbose_name_plural = "推荐结果"
        ordering = ["query", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["query", "page"], name="search_promotion_unique_page_per_query"),
        ]

    def __str__(self) -> str:
        return f"{self.query} → {self.page.title}" if self.page_id else self.query

    def clean(self) -> None:
        self.query = self.query.strip()
        errors = {}
        if not normalize(self.query):
            errors["query"] = "请填写搜索词。"
        if self.page_id:
            label = f"{self.page.specific_class._meta.app_label}.{self.page.specific_class.__name__}"
            if label not in PROMOTABLE_PAGE_TYPES:
                errors["page"] = "只能推荐服务事项或政策文件页面。"
        if errors:
            raise ValidationError(errors)


class SearchQueryLogQuerySet(models.QuerySet):
    def statistics(self) -> models.QuerySet:
        """One row per normalised query: how often, how often with no result, when last, most first."""
        return (
            self.order_by()
            .values("normalized_query")
            .annotate(
                searches=Count("pk"),
                zero_results=Count("pk", filter=Q(results_count=0)),
                average_results=Avg("results_count"),
                last_searched_at=Max("created_at"),
                example=Min("query"),
            )
            .order_by("-searches", "normalized_query")
        )


class SearchQueryLog(models.Model):
    """One resident search (first page only), written by :func:`search.services.search`."""

    query = models.CharField("搜索词", max_length=MAX_QUERY_CHARS)
    normalized_query = models.CharField("规范化搜索词", max_length=MAX_QUERY_CHARS)
    results_count = models.PositiveIntegerField("结果数")
    kinds = models.CharField("类型", max_length=32, blank=True, help_text="逗号分隔；空表示全部类型。")
    created_at = models.DateTimeField("搜索时间", default=timezone.now)

    objects = SearchQueryLogQuerySet.as_manager()

    class Meta:
        verbose_name = "搜索记录"
        verbose_name_plural = "搜索记录"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], name="search_log_created"),
            models.Index(fields=["normalized_query", "created_at"], name="search_log_query_created"),
        ]

    def __str__(self) -> str:
        return f"{self.query}（{self.results_count} 条结果）"
