"""Queries over the service catalogue: a filtered, paginated list, one item by code, categories."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import graphene
from django.db.models import Count, Prefetch, QuerySet
from wagtail.query import PageQuerySet

from api.core.pagination import connection_args, paginate
from api.core.permissions import Scope, require_scope
from api.core.selection import selected_columns, selected_paths
from api.core.urls import plain_routing, single_site
from cms.models import ServiceFAQ, ServiceItemPage

from .types import ServiceCategory, ServiceItem, ServiceItemConnection

#: GraphQL fields of ``ServiceItem`` that read a model field of another name.
SERVICE_COLUMNS = {"category": "service_category", "url": "url_path"}


def service_queryset(info: Any, paths: frozenset[str], prefix: str = "") -> PageQuerySet:
    """Live service items, only the columns selected under ``prefix`` loaded, the department joined
    and, if selected, FAQs and policies prefetched (policies in turn prefetch what is selected under them)."""
    from api.content.queries import policy_queryset

    columns = selected_columns(ServiceItemPage, paths, prefix, SERVICE_COLUMNS)
    queryset = ServiceItem.get_queryset(ServiceItemPage.objects.all(), info).only("code", *columns)
    if "department" in columns:
        queryset = queryset.select_related("department")
    if f"{prefix}faqs" in paths:
        queryset = queryset.prefetch_related(Prefetch("faqs", queryset=ServiceFAQ.objects.order_by("sort_order")))
    if f"{prefix}policies" in paths:
        policies = policy_queryset(info, paths, prefix=f"{prefix}policies.").order_by("path")
        queryset = queryset.prefetch_related(Prefetch("policies", queryset=policies))
    return queryset


DEPARTMENT_FIELDS = ("code", "name", "kind", "duty_phone", "duties")


def service_rows(
    queryset: PageQuerySet, paths: frozenset[str], prefix: str, request: Any
) -> tuple[QuerySet[Any, dict[str, Any]], Callable[[dict[str, Any]], SimpleNamespace]] | None:
    """The items as ``values()`` rows when the selection needs nothing but columns and the
    department (no FAQs or policies, which are prefetched onto model instances), and the function
    that turns a row into the attributes the ``ServiceItem`` resolvers read; ``None`` otherwise.

    Building a Wagtail page instance per item costs more than the rest of a list request."""
    if request is None or any(p.startswith((f"{prefix}faqs", f"{prefix}policies")) for p in paths):
        return None
    if f"{prefix}url" in paths and not (plain_routing(ServiceItemPage) and single_site(request)):
        return None
    columns = [c for c in selected_columns(ServiceItemPage, paths, prefix, SERVICE_COLUMNS) if c != "department"]
    columns = list(dict.fromkeys(["code", *columns]))
    with_department = f"{prefix}department" in paths
    department_columns = [f"department__{name}" for name in DEPARTMENT_FIELDS] if with_department else []

    def node(row: dict[str, Any]) -> SimpleNamespace:
        item = SimpleNamespace(**{column: row[column] for column in columns})
        if with_department:
            item.department = (
                SimpleNamespace(**{name: row[f"department__{name}"] for name in DEPARTMENT_FIELDS})
                if row["department__code"] is not None
                else None
            )
        return item

    return queryset.values(*columns, *department_columns), node


class ServiceQueries(graphene.ObjectType):
    service_items = graphene.Field(
        ServiceItemConnection,
        required=True,
        description="已发布的服务事项，按目录顺序分页（每页至多 100 条）。",
        **connection_args(
            category=graphene.String(description="按事项类别筛选，如“民政”。"),
            department=graphene.String(description="按主管部门编码筛选，如 dept-civil。"),
            online=graphene.Boolean(description="true 只看可网办的事项，false 只看不可网办的。"),
        ),
    )
    service_item = graphene.Field(
        ServiceItem,
        description="按编码取一项已发布的服务事项；不存在或未发布时为 null。",
        code=graphene.String(required=True, description="事项编码。"),
    )
    service_categories = graphene.List(
        graphene.NonNull(ServiceCategory),
        required=True,
        description="有已发布事项的类别及事项数（按名称的 Unicode 码位排序）。",
    )

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_service_items(
        root: Any,
        info: Any,
        category: str | None = None,
        department: str | None = None,
        online: bool | None = None,
        **page: Any,
    ) -> ServiceItemConnection:
        paths = selected_paths(info)
        queryset = service_queryset(info, paths, prefix="edges.node.")
        if category is not None:
            queryset = queryset.filter(service_category=category[:32])
        if department is not None:
            queryset = queryset.filter(department__code=department[:64])
        if online is not None:
            queryset = queryset.filter(online=online)
        queryset = queryset.order_by("path")
        rows = service_rows(queryset, paths, "edges.node.", info.context)
        if rows is not None:
            return paginate(rows[0], ServiceItemConnection, **page, selected=paths, node=rows[1])
        return paginate(queryset, ServiceItemConnection, **page, selected=paths)

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_service_item(root: Any, info: Any, code: str) -> ServiceItemPage | None:
        item: ServiceItemPage | None = service_queryset(info, selected_paths(info)).filter(code=code[:64]).first()
        return item

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_service_categories(root: Any, info: Any) -> list[ServiceCategory]:
        rows = (
            ServiceItem.get_queryset(ServiceItemPage.objects.all(), info)
            .values("service_category")
            .annotate(count=Count("pk"))
            .order_by()
        )
        # Sorted here, not by the database, so the order is the same whatever its collation.
        return [
            ServiceCategory(name=row["service_category"], count=row["count"])
            for row in sorted(rows, key=lambda row: row["service_category"])
        ]
