"""The GraphQL type of a notice and its webhook payload, from one mapping so the two never drift."""

from __future__ import annotations

from typing import Any

import graphene
from django.utils import timezone

from api.core.scalars import DateTime
from notices.models import NoticeKind as NoticeKindChoices
from notices.models import NoticePage


class NoticeKind(graphene.Enum):
    """通知类型。"""

    WATER = NoticeKindChoices.WATER.value
    HEATING = NoticeKindChoices.HEATING.value
    POWER = NoticeKindChoices.POWER.value
    CONSTRUCTION = NoticeKindChoices.CONSTRUCTION.value
    EVENT = NoticeKindChoices.EVENT.value
    OTHER = NoticeKindChoices.OTHER.value

    @property
    def description(self) -> str:
        return str(dict(NoticeKindChoices.choices).get(self.value, self.name))


class Notice(graphene.ObjectType):
    class Meta:
        description = "按网格或社区发布的通知公告（停水、停暖、停电、施工、活动）。"

    id = graphene.ID(required=True, description="通知编号（页面编号）。")
    kind = graphene.Field(NoticeKind, required=True, description="类型。")
    kind_label = graphene.String(required=True, description="类型的中文名称。")
    title = graphene.String(required=True, description="标题。")
    summary = graphene.String(required=True, description="摘要（短信内容）。")
    starts_at = DateTime(required=True, description="开始时间。")
    ends_at = DateTime(description="结束时间；为空表示没有结束时间。")
    published_at = DateTime(description="最近一次发布的时间。")
    url = graphene.String(description="居民页面地址。")
    grids = graphene.List(graphene.NonNull(graphene.String), required=True, description="发布网格的编码。")
    communities = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="发布社区（村）的编码；社区内所有网格都包括。"
    )

    @staticmethod
    def resolve_id(root: NoticePage, info: Any) -> str:
        return str(root.pk)

    @staticmethod
    def resolve_kind_label(root: NoticePage, info: Any) -> str:
        return str(root.get_kind_display())

    @staticmethod
    def resolve_published_at(root: NoticePage, info: Any) -> Any:
        return root.last_published_at

    @staticmethod
    def resolve_url(root: NoticePage, info: Any) -> str | None:
        from api.core.urls import page_url

        return page_url(root, info.context)

    @staticmethod
    def resolve_grids(root: NoticePage, info: Any) -> list[str]:
        return sorted(g.code for g in root.grids.all())

    @staticmethod
    def resolve_communities(root: NoticePage, info: Any) -> list[str]:
        return sorted(c.code for c in root.communities.all())


def _local(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def notice_payload(notice: NoticePage) -> dict[str, Any]:
    """``data`` of the ``notice.published`` webhook: the same fields as the query, camelCased."""
    return {
        "noticeId": str(notice.pk),
        "kind": notice.kind,
        "title": notice.title,
        "summary": notice.summary,
        "startsAt": _local(notice.starts_at),
        "endsAt": _local(notice.ends_at),
        "publishedAt": _local(notice.last_published_at),
        "grids": sorted(notice.grids.values_list("code", flat=True)),
        "communities": sorted(notice.communities.values_list("code", flat=True)),
    }
