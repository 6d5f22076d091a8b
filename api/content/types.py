"""GraphQL types of departments, request categories, request types with time limits, and policies."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet
from wagtail.query import PageQuerySet

from api.core.pagination import CountableConnection
from api.core.types import ModelObjectType, lines
from api.core.urls import page_url
from cms.models import Department as DepartmentModel
from cms.models import PolicyPage, RequestCategory, Urgency
from cms.models import RequestType as RequestTypeChoices
from cms.models.categories import LeadKind


def _described(labels: dict[str, str]) -> property:
    return property(lambda self: labels.get(self.value, self.name))


class DepartmentKind(graphene.Enum):
    """部门类型。"""

    GOVERNMENT = DepartmentModel.Kind.GOVERNMENT.value
    UTILITY = DepartmentModel.Kind.UTILITY.value
    OTHER = DepartmentModel.Kind.OTHER.value

    description = _described(dict(DepartmentModel.Kind.choices))


class RequestType(graphene.Enum):
    """诉求类型（12345 的五类）。"""

    CONSULT = RequestTypeChoices.CONSULT.value
    SUGGEST = RequestTypeChoices.SUGGEST.value
    HELP = RequestTypeChoices.HELP.value
    REPORT = RequestTypeChoices.REPORT.value
    COMPLAINT = RequestTypeChoices.COMPLAINT.value

    description = _described(dict(RequestTypeChoices.choices))


class UrgencyLevel(graphene.Enum):
    """紧急程度。"""

    NORMAL = Urgency.NORMAL.value
    URGENT = Urgency.URGENT.value

    description = _described(dict(Urgency.choices))


class LeadType(graphene.Enum):
    """默认主办的类型：部门，或按地址落到网格、社区（村）、街道（镇）。"""

    DEPARTMENT = LeadKind.DEPARTMENT.value
    GRID = LeadKind.GRID.value
    COMMUNITY = LeadKind.COMMUNITY.value
    SUBDISTRICT = LeadKind.SUBDISTRICT.value

    description = _described(dict(LeadKind.choices))


class Department(ModelObjectType):
    class Meta:
        description = "区直部门或公用事业单位。"

    code = graphene.String(required=True, description="部门编码（参考数据 id，如 dept-civil）。")
    name = graphene.String(required=True, description="部门名称。")
    kind = graphene.Field(DepartmentKind, required=True, description="部门类型。")
    duty_phone = graphene.String(required=True, description="值班电话（办公电话，可为空字符串）。")
    duties = graphene.String(required=True, description="职责说明。")

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Any) -> QuerySet[Any]:
        return queryset.filter(active=True)


class RequestCategoryNode(ModelObjectType):
    class Meta:
        name = "RequestCategory"
        description = "诉求分类（两级：一级分类及其叶子分类）。"

    code = graphene.String(required=True, description="分类编码。")
    name = graphene.String(required=True, description="分类名称。")
    is_leaf = graphene.Boolean(required=True, description="是否叶子分类（用于派单）。")
    lead_type = graphene.Field(LeadType, description="默认主办类型；一级分类为 null。")
    lead_department = graphene.Field(Department, description="默认主办部门（主办类型为部门时）。")
    children = graphene.List(
        graphene.NonNull(lambda: RequestCategoryNode), required=True, description="下级分类（按排序）。"
    )

    @staticmethod
    def resolve_lead_type(root: RequestCategory, info: Any) -> str | None:
        return root.default_lead_kind or None

    @staticmethod
    def resolve_lead_department(root: RequestCategory, info: Any) -> DepartmentModel | None:
        return root.default_lead_department

    @staticmethod
    def resolve_children(root: RequestCategory, info: Any) -> Any:
        return root.children.all()


class TimeLimit(graphene.ObjectType):
    class Meta:
        description = "一种紧急程度下的办理时限（民有所呼、即接即办）。"

    urgency = graphene.Field(UrgencyLevel, required=True, description="紧急程度。")
    ack_hours = graphene.Int(required=True, description="派单后报到（签收）时限，自然小时。")
    feedback_same_day = graphene.Boolean(required=True, description="是否须在受理当日 23:59:59 前反馈。")
    feedback_working_days = graphene.Int(description="反馈时限（工作日）；当日反馈时为 null。")
    complete_working_days = graphene.Int(required=True, description="办结时限（工作日）。")
    note = graphene.String(required=True, description="说明。")


class RequestTypeInfo(graphene.ObjectType):
    class Meta:
        description = "一种诉求类型及其各紧急程度的办理时限。"

    type = graphene.Field(RequestType, required=True, description="诉求类型。")
    label = graphene.String(required=True, description="中文名称。")
    time_limits = graphene.List(
        graphene.NonNull(TimeLimit), required=True, description="各紧急程度的时限（一般在前）。"
    )


class Policy(ModelObjectType):
    class Meta:
        description = "已发布的政策文件（草稿和未公开页面不会出现）。"

    code = graphene.String(required=True, description="文件编码（如 pol-...）。")
    title = graphene.String(required=True, description="标题。")
    doc_number = graphene.String(required=True, description="文号。")
    issuer = graphene.String(required=True, description="发文机关。")
    published_date = graphene.Date(description="发布日期。")
    effective_date = graphene.Date(description="施行日期。")
    summary = graphene.String(required=True, description="摘要。")
    body = lines("正文段落。")
    tags = lines("主题词。")
    related_services = graphene.List(
        graphene.NonNull("api.services.types.ServiceItem"),
        required=True,
        description="相关的已发布服务事项。",
    )
    url = graphene.String(description="居民网站上的页面地址。")

    @classmethod
    def get_queryset(cls, queryset: PageQuerySet, info: Any) -> PageQuerySet:
        return queryset.live().public()

    @staticmethod
    def resolve_related_services(root: PolicyPage, info: Any) -> Any:
        from api.services.types import ServiceItem
        from cms.models import ServiceItemPage

        if "related_services" in getattr(root, "_prefetched_objects_cache", {}):
            return root.related_services.all()
        return ServiceItem.get_queryset(ServiceItemPage.objects.filter(policies=root), info)

    @staticmethod
    def resolve_url(root: PolicyPage, info: Any) -> str | None:
        return page_url(root, info.context)


class PolicyConnection(CountableConnection):
    class Meta:
        node = Policy
        description = "政策文件的分页列表。"
