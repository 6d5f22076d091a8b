"""Public content as Wagtail pages: the service catalogue (一门办理) and policy documents."""

from __future__ import annotations

from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.fields import LinesField

from .departments import Department


class HomePage(Page):
    """The residents' home page; the template shows search, popular services and the four mechanisms."""

    intro = models.TextField("简介", blank=True)
    hotline = models.CharField("服务热线", max_length=32, default="12345")

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("hotline")]
    subpage_types = ["cms.ServiceIndexPage", "cms.PolicyIndexPage", "notices.NoticeIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "首页"
        verbose_name_plural = "首页"


class ServiceIndexPage(Page):
    intro = models.TextField("简介", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ServiceItemPage"]
    max_count = 1

    class Meta:
        verbose_name = "服务事项目录"
        verbose_name_plural = "服务事项目录"


class ServiceItemPage(Page):
    """One community service item (服务事项) with everything a resident needs before going."""

    code = models.SlugField("事项编码", max_length=64, unique=True)
    service_category = models.CharField("事项类别", max_length=32, db_index=True)
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_items",
        verbose_name="主管部门",
    )
    summary = models.TextField("事项简介")
    conditions = LinesField("办理条件")
    materials = LinesField("申请材料")
    steps = LinesField("办理流程")
    time_limit_working_days = models.PositiveIntegerField("承诺时限（工作日）", default=0, help_text="0 表示即时办结。")
    fee = models.CharField("收费标准", max_length=128, default="免费")
    max_visits = models.PositiveSmallIntegerField("最多跑动次数", default=1, help_text="0 表示全程网办。")
    online = models.BooleanField("可网上办理", default=False)
    online_url = models.URLField("网上办理链接", blank=True)
    location = models.CharField("办理地点", max_length=255, blank=True)
    legal_basis = LinesField("设定依据")
    keywords = LinesField("搜索关键词", split_commas=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("code"), FieldPanel("service_category"), FieldPanel("department")]),
        FieldPanel("summary"),
        FieldPanel("conditions"),
        FieldPanel("materials"),
        FieldPanel("steps"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("time_limit_working_days"), FieldPanel("fee"), FieldPanel("max_visits")]),
                FieldRowPanel([FieldPanel("online"), FieldPanel("online_url")]),
                FieldPanel("location"),
            ],
            heading="办理要求",
        ),
        FieldPanel("legal_basis"),
        FieldPanel("keywords"),
        InlinePanel("faqs", label="常见问题", heading="常见问题"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("keywords"),
        index.FilterField("service_category"),
        index.FilterField("online"),
    ]
    parent_page_types = ["cms.ServiceIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"


class ServiceFAQ(Orderable):
    page = ParentalKey(ServiceItemPage, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField("问题", max_length=255)
    answer = models.TextField("解答")

    panels = [FieldPanel("question"), FieldPanel("answer")]

    class Meta(Orderable.Meta):
        verbose_name = "常见问题"
        verbose_name_plural = "常见问题"


class PolicyIndexPage(Page):
    intro = models.TextField("简介", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PolicyPage"]
    max_count = 1

    class Meta:
        verbose_name = "政策文件目录"
        verbose_name_plural = "政策文件目录"


class PolicyPage(Page):
    code = models.SlugField("文件编码", max_length=64, unique=True)
    doc_number = models.CharField("文号", max_length=64, blank=True)
    issuer = models.CharField("发文机关", max_length=128, blank=True)
    published_date = models.DateField("发布日期", null=True, blank=True)
    effective_date = models.DateField("施行日期", null=True, blank=True)
    summary = models.TextField("摘要")
    body = LinesField("正文段落", help_text="每行一段。")
    tags = LinesField("主题词", split_commas=True)
    related_services = ParentalManyToManyField(
        "cms.ServiceItemPage", blank=True, related_name="policies", verbose_name="相关服务事项"
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("code"), FieldPanel("doc_number")]),
        FieldRowPanel([FieldPanel("issuer"), FieldPanel("published_date"), FieldPanel("effective_date")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tags"),
        FieldPanel("related_services"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
