"""Notices as Wagtail pages aimed at grids or communities, and residents' SMS subscriptions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from cms.models import Community, Grid

SMS_SUMMARY_MAX = 120


class NoticeKind(models.TextChoices):
    WATER = "water", "停水"
    HEATING = "heating", "停暖"
    POWER = "power", "停电"
    CONSTRUCTION = "construction", "施工"
    EVENT = "event", "活动"
    OTHER = "other", "其他"


class NoticeIndexPage(Page):
    """通知公告: the parent of every notice; residents reach notices through their address."""

    intro = models.TextField("简介", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["notices.NoticePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from portal.forms import GridLookupForm

        from .services import current_notices

        context = super().get_context(request, *args, **kwargs)
        context.update(form=GridLookupForm(), notices=list(current_notices()), found=None)
        return context

    class Meta:
        verbose_name = "通知公告目录"
        verbose_name_plural = "通知公告目录"


class NoticePageQuerySet(PageQuerySet):
    def for_grid(self, grid: Grid) -> NoticePageQuerySet:
        """Aimed at the grid itself or at its whole community."""
        return self.filter(Q(grids=grid) | Q(communities=grid.community_id)).distinct()

    def for_community(self, community: Community) -> NoticePageQuerySet:
        """Aimed at the community or at any of its grids."""
        return self.filter(Q(communities=community) | Q(grids__community=community)).distinct()


class NoticePage(Page):
    kind = models.CharField("类型", max_length=16, choices=NoticeKind.choices)
    summary = models.CharField(
        "摘要", max_length=SMS_SUMMARY_MAX, help_text=f"列表、短信和订阅源中显示，至多{SMS_SUMMARY_MAX}字。"
    )
    body = RichTextField("正文", blank=True, features=["bold", "ol", "ul", "link"])
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间", null=True, blank=True, help_text="留空表示没有结束时间（如长期活动）。")
    grids = ParentalManyToManyField(Grid, blank=True, related_name="notices", verbose_name="发布网格")
    communities = ParentalManyToManyField(
        Community,
        blank=True,
        related_name="notices",
        verbose_name="发布社区（村）",
        help_text="社区内所有网格都会收到。",
    )

    objects = PageManager.from_queryset(NoticePageQuerySet)()

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("communities"), FieldPanel("grids")], heading="发布范围"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["notices.NoticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "结束时间不能早于开始时间。"})

    @property
    def sms_text(self) -> str:
        return f"【{self.get_kind_display()}】{self.summary}"


class NoticeSubscription(models.Model):
    """A phone that wants the SMS of one grid's notices; the phone is used for nothing else."""

    phone = models.CharField("手机号", max_length=20)
    grid = models.ForeignKey(Grid, models.CASCADE, related_name="notice_subscriptions", verbose_name="网格")
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("订阅时间", auto_now_add=True)
    cancelled_at = models.DateTimeField("退订时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信订阅"
        verbose_name_plural = "短信订阅"
        constraints = [models.UniqueConstraint(fields=["phone", "grid"], name="one_subscription_per_phone_grid")]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} · {self.grid.name}"


class NoticeMessage(models.Model):
    """One SMS of one notice to one subscription: the unique row makes a republish send nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notice = models.ForeignKey(NoticePage, models.CASCADE, related_name="messages", verbose_name="通知")
    subscription = models.ForeignKey(NoticeSubscription, models.CASCADE, related_name="messages", verbose_name="订阅")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    error = models.CharField("错误", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知短信"
        verbose_name_plural = "通知短信"
        constraints = [models.UniqueConstraint(fields=["notice", "subscription"], name="one_sms_per_notice")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.subscription_id}（{self.get_status_display()}）"
