"""Admin menu 搜索: the synonym list, promoted results and search statistics."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import SearchPromotion, SearchSynonym
from .views import SearchStatisticsView


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "resubmit"
    add_to_admin_menu = False
    search_backend_name = None  # icontains: Wagtail's index does not segment Chinese
    search_fields = ["terms", "note"]
    list_display = [
        "terms",
        BooleanColumn("is_one_way", label="单向"),
        BooleanColumn("enabled", label="启用"),
        "note",
        DateColumn("updated_at", label="更新时间"),
    ]
    list_filter = ["enabled"]
    list_per_page = 50
    list_export = ["terms", "enabled", "note", "updated_at"]
    export_filename = "search-synonyms"


class SearchPromotionViewSet(SnippetViewSet):
    model = SearchPromotion
    icon = "pick"
    add_to_admin_menu = False
    search_backend_name = None
    search_fields = ["query", "page__title", "note"]
    list_display = [
        "query",
        Column("page", label="推荐页面"),
        "order",
        BooleanColumn("active", label="启用"),
        DateColumn("updated_at", label="更新时间"),
    ]
    list_filter = ["active"]
    list_export = ["query", "page.title", "page.url_path", "order", "active", "note"]
    export_headings = {"page.title": "推荐页面", "page.url_path": "页面路径"}
    export_filename = "search-promotions"

    def get_queryset(self, request):
        return SearchPromotion.objects.select_related("page")


register_snippet(SearchSynonymViewSet)
register_snippet(SearchPromotionViewSet)


@hooks.register("register_admin_urls")
def register_search_urls():
    return [
        path("search-statistics/", SearchStatisticsView.as_view(), name="search_statistics"),
        path(
            "search-statistics/results/",
            SearchStatisticsView.as_view(results_only=True),
            name="search_statistics_results",
        ),
    ]


class PermittedMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_search_menu():
    submenu = Menu(
        items=[
            PermittedMenuItem(
                "同义词",
                reverse("wagtailsnippets_search_searchsynonym:list"),
                icon_name="resubmit",
                order=10,
                permission="search.view_searchsynonym",
            ),
            PermittedMenuItem(
                "推荐结果",
                reverse("wagtailsnippets_search_searchpromotion:list"),
                icon_name="pick",
                order=20,
                permission="search.view_searchpromotion",
            ),
            PermittedMenuItem(
                "搜索统计",
                reverse("search_statistics"),
                icon_name="search",
                order=30,
                permission="search.view_searchquerylog",
            ),
        ]
    )
    return SubmenuMenuItem("搜索", submenu, icon_name="search", order=240)
