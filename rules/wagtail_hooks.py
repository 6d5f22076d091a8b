"""Admin for the rules domain: the rule book editor with pre-publish checks, version history, simulator."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import RuleBook

from . import views
from .panels import RulesCheckPanel


class RuleBookViewSet(SnippetViewSet):
    model = RuleBook
    icon = "cogs"
    menu_label = "派单与提级规则"
    add_to_admin_menu = False
    copy_view_enabled = False
    list_display = ["name", BooleanColumn("live", label="已发布")]
    search_backend_name = None
    search_fields = ["name"]
    edit_handler = ObjectList([RulesCheckPanel(heading="发布前检查"), *RuleBook.panels])


register_snippet(RuleBookViewSet)


@hooks.register("register_admin_urls")
def register_rules_urls() -> list[URLPattern]:
    return [
        path("rules/versions/", views.RulesetVersionListView.as_view(), name="rules_versions"),
        path("rules/simulate/", views.SimulatorView.as_view(), name="rules_simulate"),
    ]


class PermittedMenuItem(MenuItem):
    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_rules_menu() -> SubmenuMenuItem:
    submenu = Menu(
        items=[
            PermittedMenuItem(
                "派单与提级规则",
                reverse("wagtailsnippets_cms_rulebook:list"),
                icon_name="cogs",
                order=10,
                permission="cms.change_rulebook",
            ),
            PermittedMenuItem(
                "规则版本",
                reverse("rules_versions"),
                icon_name="history",
                order=20,
                permission="cms.view_rulesetversion",
            ),
            PermittedMenuItem(
                "分类与时限版本",
                reverse("wagtailsnippets_cms_configversion:list"),
                icon_name="history",
                order=25,
                permission="cms.view_configversion",
            ),
            PermittedMenuItem(
                "规则模拟器",
                reverse("rules_simulate"),
                icon_name="resubmit",
                order=30,
                permission="cms.view_rulebook",
            ),
        ]
    )
    return SubmenuMenuItem("规则引擎", submenu, icon_name="cogs", order=230)


def missing_schedule_message(year: int) -> str:
    return f"{year}年的官方节假日安排尚未录入，当前按估算计算期限；国务院办公厅通知发布后请在“工作日历”中录入并确认"


# The State Council publishes next year's schedule in the autumn; from November on it is due.
NEXT_YEAR_WARNING_MONTH = 11


class CalendarStatusPanel(Component):
    """The working calendar's state on the dashboard, with a warning when deadlines rest on estimates.

    This year estimated: always warned. Next year estimated: warned from 1 November (local time).
    """

    name = "calendar_status"
    order = 150
    template_name = "rules/admin/calendar_panel.html"

    def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        from django.utils import timezone

        from .services import latest_calendar

        today = timezone.localdate()
        latest = latest_calendar()
        years = [today.year, today.year + 1]
        estimated = [y for y in years if latest.calendar.is_estimated(y)]
        warned = [y for y in estimated if y == today.year or today.month >= NEXT_YEAR_WARNING_MONTH]
        return {
            "years": years,
            "official_years": [y for y in years if y not in estimated],
            "estimated_years": estimated,
            "warnings": [missing_schedule_message(y) for y in warned],
            "version": latest.version,
            "calendar_url": reverse("wagtailsnippets_cms_calendaryear:list"),
        }


@hooks.register("construct_homepage_panels")
def add_calendar_status_panel(request: HttpRequest, panels: list[Any]) -> None:
    if request.user.has_perm("cms.view_calendaryear"):
        panels.append(CalendarStatusPanel())
