"""GraphQL types of service items (服务事项) and their FAQs."""

from __future__ import annotations

from typing import Any

import graphene
from wagtail.query import PageQuerySet

from api.content.types import Department, Policy
from api.core.pagination import CountableConnection
from api.core.types import ModelObjectType, lines
from api.core.urls import page_url
from cms.models import PolicyPage, ServiceItemPage


class ServiceFAQ(graphene.ObjectType):
    class Meta:
        description = "服务事项的常见问题。"

    question = graphene.String(required=True, description="问题。")
    answer = graphene.String(required=True, description="解答。")


class ServiceItem(ModelObjectType):
    class Meta:
        description = "已发布的社区服务事项（草稿和未公开页面不会出现）。"

    code = graphene.String(required=True, description="事项编码（参考数据 id，如 svc-...）。")
    title = graphene.String(required=True, description="事项名称。")
    category = graphene.String(required=True, source="service_category", description="事项类别，如“民政”“社保”。")
    department = graphene.Field(Department, description="主管部门。")
    summary = graphene.String(required=True, description="事项简介。")
    conditions = lines("办理条件。")
    materials = lines("申请材料。")
    steps = lines("办理流程。")
    time_limit_working_days = graphene.Int(required=True, description="承诺办结时限（工作日），0 表示即时办结。")
    fee = graphene.String(required=True, description="收费标准。")
    max_visits = graphene.Int(required=True, description="最多跑动次数，0 表示全程网办。")
    online = graphene.Boolean(required=True, description="是否可网上办理。")
    online_url = graphene.String(required=True, description="网上办理链接（可为空字符串）。")
    location = graphene.String(required=True, description="办理地点。")
    legal_basis = lines("设定依据。")
    keywords = lines("搜索关键词。")
    faqs = graphene.List(graphene.NonNull(ServiceFAQ), required=True, description="常见问题（按排序）。")
    policies = graphene.List(graphene.NonNull(Policy), required=True, description="引用该事项的已发布政策文件。")
    url = graphene.String(description="居民网站上的页面地址。")

    @classmethod
    def get_queryset(cls, queryset: PageQuerySet, info: Any) -> PageQuerySet:
        return queryset.live().public()

    @staticmethod
    def resolve_faqs(root: ServiceItemPage, info: Any) -> Any:
        return root.faqs.all()

    @staticmethod
    def resolve_policies(root: ServiceItemPage, info: Any) -> Any:
        if "policies" in getattr(root, "_prefetched_objects_cache", {}):
            return root.policies.all()
        return Policy.get_queryset(PolicyPage.objects.filter(related_services=root), info)

    @staticmethod
    def resolve_url(root: ServiceItemPage, info: Any) -> str | None:
        return page_url(root, info.context)


class ServiceItemConnection(CountableConnection):
    class Meta:
        node = ServiceItem
        description = "服务事项的分页列表。"


class ServiceCategory(graphene.ObjectType):
    class Meta:
        description = "服务事项类别及其已发布事项数。"

    name = graphene.String(required=True, description="类别名称。")
    count = graphene.Int(required=True, description="该类别已发布的事项数。")
