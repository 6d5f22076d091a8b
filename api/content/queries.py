"""Queries for departments, the request-category tree, request types with time limits, policies."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import F, Prefetch

from api.core.pagination import connection_args, paginate
from api.core.permissions import Scope, require_scope
from api.core.selection import selected_paths
from cms.models import Department as DepartmentModel
from cms.models import PolicyPage, RequestCategory, TimeLimitRule
from cms.models import RequestType as RequestTypeChoices

from .types import Department, Policy, PolicyConnection, RequestCategoryNode, RequestTypeInfo, TimeLimit


def policy_queryset(info: Any, paths: frozenset[str], prefix: str = "") -> Any:
    """Live policies with what the selection needs fetched in bulk."""
    from api.services.queries import service_queryset

    queryset = Policy.get_queryset(PolicyPage.objects.all(), info)
    if f"{prefix}relatedServices" in paths:
        services = service_queryset(info, paths, prefix=f"{prefix}relatedServices.").order_by("path")
        queryset = queryset.prefetch_related(Prefetch("related_services", queryset=services))
    return queryset


def category_levels(paths: frozenset[str]) -> list[str]:
    """``children``, ``children__children`` … as deep as the query nests ``children``."""
    depth = max((p.split(".").count("children") for p in paths if p.startswith("children")), default=0)
    return ["__".join(["children"] * level) for level in range(1, depth + 1)]


class ContentQueries(graphene.ObjectType):
    departments = graphene.List(
        graphene.NonNull(Department), required=True, description="启用中的全部部门（按编码排序）。"
    )
    request_categories = graphene.List(
        graphene.NonNull(RequestCategoryNode),
        required=True,
        description="诉求分类树：一级分类及其下级分类（按排序）。",
    )
    request_types = graphene.List(
        graphene.NonNull(RequestTypeInfo),
        required=True,
        description="五类诉求及其办理时限（来自后台的办理时限配置）。",
    )
    policies = graphene.Field(
        PolicyConnection,
        required=True,
        description="已发布的政策文件，按发布日期从新到旧。",
        **connection_args(),
    )
    policy = graphene.Field(
        Policy,
        description="按编码取一份已发布的政策文件；不存在或未发布时为 null。",
        code=graphene.String(required=True, description="文件编码。"),
    )

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_departments(root: Any, info: Any) -> Any:
        return Department.get_queryset(DepartmentModel.objects.all(), info).order_by("code")

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_request_categories(root: Any, info: Any) -> Any:
        children = RequestCategory.objects.select_related("default_lead_department")
        return (
            RequestCategoryNode.get_queryset(RequestCategory.objects.top_level(), info)
            .select_related("default_lead_department")
            .prefetch_related(*(Prefetch(level, queryset=children) for level in category_levels(selected_paths(info))))
        )

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_request_types(root: Any, info: Any) -> list[RequestTypeInfo]:
        rules: dict[str, list[TimeLimitRule]] = {}
        for rule in TimeLimitRule.objects.order_by("request_type", "urgency"):
            rules.setdefault(rule.request_type, []).append(rule)
        order = {"normal": 0, "urgent": 1}
        return [
            RequestTypeInfo(
                type=value,
                label=label,
                time_limits=[
                    TimeLimit(
                        urgency=rule.urgency,
                        ack_hours=rule.ack_hours,
                        feedback_same_day=rule.feedback_same_day,
                        feedback_working_days=None if rule.feedback_same_day else rule.feedback_working_days,
                        complete_working_days=rule.complete_working_days,
                        note=rule.note,
                    )
                    for rule in sorted(rules.get(value, []), key=lambda r: order.get(r.urgency, 9))
                ],
            )
            for value, label in RequestTypeChoices.choices
        ]

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_policies(root: Any, info: Any, **args: Any) -> PolicyConnection:
        paths = selected_paths(info)
        queryset = policy_queryset(info, paths, prefix="edges.node.")
        queryset = queryset.order_by(F("published_date").desc(nulls_last=True), "path")
        return paginate(queryset, PolicyConnection, **args, selected=paths)

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_policy(root: Any, info: Any, code: str) -> PolicyPage | None:
        policy: PolicyPage | None = policy_queryset(info, selected_paths(info)).filter(code=code[:64]).first()
        return policy
