"""An Atom feed per grid, for residents' feed readers and community WeChat bots."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from cms.models import Grid

from .models import NoticePage
from .services import current_notices


class GridNoticeFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, code: str) -> Grid:
        return get_object_or_404(Grid.objects.select_related("community"), code=code)

    def title(self, grid: Grid) -> str:
        return f"{grid.community.name}·{grid.name} 通知公告"

    def link(self, grid: Grid) -> str:
        return f"/notices/grid/{grid.code}/"

    def subtitle(self, grid: Grid) -> str:
        return f"停水、停暖、施工和社区活动：发给{grid.name}及{grid.community.name}的通知。"

    def items(self, grid: Grid) -> list[NoticePage]:
        return list(current_notices(grid=grid))

    def item_title(self, notice: NoticePage) -> str:
        return f"【{notice.get_kind_display()}】{notice.title}"

    def item_description(self, notice: NoticePage) -> str:
        return notice.summary

    def item_link(self, notice: NoticePage) -> str:
        return notice.url or "/"

    def item_pubdate(self, notice: NoticePage) -> datetime | None:
        return notice.first_published_at

    def item_updateddate(self, notice: NoticePage) -> datetime | None:
        return notice.last_published_at
