"""Admin of the working calendar (工作日历): years, a month grid per year, confirmation, versions."""

from __future__ import annotations

import calendar as month_calendar
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from .calendar import CalendarError, confirm_year, fill_year, record_version, remove_years
from .models import CalendarDay, CalendarVersion, CalendarYear
from .models.calendar import plain_week_working

year_permission = ModelPermissionPolicy(CalendarYear)
day_permission = ModelPermissionPolicy(CalendarDay)
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
URL_NAMESPACE = "wagtailsnippets_cms_calendaryear"


def grid_url(year: int) -> str:
    return reverse(f"{URL_NAMESPACE}:grid", args=[year])


class MonthGridColumn(Column):
    def get_value(self, instance: CalendarYear) -> str:
        return format_html('<a href="{}" data-month-grid>查看月历</a>', grid_url(instance.year))


class YearGridView(WagtailAdminTemplateMixin, TemplateView):
    """A year as twelve month grids, holidays and make-up workdays highlighted, with the confirm button."""

    template_name = "cms/admin/calendar_year.html"
    header_icon = "date"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not year_permission.user_has_any_permission(request.user, ["view", "change"]):
            return permission_denied(request)
        self.row = get_object_or_404(CalendarYear, year=kwargs["year"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return f"{self.row.year}年工作日历"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse(f"{URL_NAMESPACE}:list"), "label": "工作日历"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.row.year
        days = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
        months = []
        weeks_of = month_calendar.Calendar(firstweekday=0)
        for month in range(1, 13):
            weeks = []
            for week in weeks_of.monthdatescalendar(year, month):
                cells = []
                for day in week:
                    entry = days.get(day)
                    working = entry.is_working_day if entry else plain_week_working(day)
                    kind = "" if entry is None else ("makeup" if entry.is_working_day else "holiday")
                    cells.append(
                        {
                            "date": day,
                            "in_month": day.month == month,
                            "working": working,
                            "kind": kind,
                            "entry": entry,
                            "edit_url": reverse("wagtailsnippets_cms_calendarday:edit", args=[entry.pk])
                            if entry
                            else "",
                        }
                    )
                weeks.append(cells)
            months.append({"month": month, "weeks": weeks})
        user = self.request.user
        context.update(
            {
                "row": self.row,
                "months": months,
                "weekdays": WEEKDAYS,
                "days": sorted(days.values(), key=lambda d: d.date),
                "can_change": day_permission.user_has_permission(user, "change"),
                "can_confirm": year_permission.user_has_permission(user, "change") and not self.row.is_official,
                "add_day_url": reverse("wagtailsnippets_cms_calendarday:add"),
                "confirm_url": reverse(f"{URL_NAMESPACE}:confirm", args=[year]),
                "versions_url": reverse(f"{URL_NAMESPACE}:versions"),
            }
        )
        return context


def confirm_view(request: HttpRequest, year: int) -> HttpResponse:
    """POST: 确认为官方安排."""
    if not year_permission.user_has_permission(request.user, "change"):
        return permission_denied(request)
    if request.method != "POST":
        return redirect(grid_url(year))
    try:
        version = confirm_year(year, user=request.user)
    except CalendarError as exc:
        messages.error(request, exc.message)
    else:
        number = f"，生成日历第{version.number}版" if version else ""
        messages.success(request, f"已确认{year}年为官方安排{number}。此后受理的工单按新版本计算期限。")
    return redirect(grid_url(year))


class CalendarVersionListView(ReportView):
    """Every calendar version, newest first: who changed what, and which years were official."""

    page_title = "工作日历版本"
    header_icon = "history"
    index_url_name = f"{URL_NAMESPACE}:versions"
    index_results_url_name = f"{URL_NAMESPACE}:versions"
    permission_policy = year_permission
    any_permission_required = ["view", "change"]
    columns = [
        Column("number", label="版本号"),
        DateColumn("created_at", label="创建时间"),
        Column("created_by", label="修改人"),
        Column("summary", label="变更说明"),
        Column("official", label="已确认年份"),
        Column("day_count", label="调整日数"),
    ]

    def get_queryset(self):
        return CalendarVersion.objects.select_related("created_by").order_by("-number")

    def decorate_paginated_queryset(self, object_list):
        for version in object_list:
            version.official = "、".join(str(y) for y in version.official_years()) or "无"
            version.day_count = len(version.days)
        return object_list


class CalendarYearViewSet(SnippetViewSet):
    model = CalendarYear
    icon = "date"
    menu_label = "工作日历"
    add_to_admin_menu = False
    search_backend_name = None
    search_fields = ["note"]
    list_display = ["year", "status", "confirmed_by", "confirmed_at", MonthGridColumn("grid", label="月历")]
    list_filter = ["status"]
    copy_view_enabled = False

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("year/<int:year>/", YearGridView.as_view(), name="grid"),
            path("year/<int:year>/confirm/", confirm_view, name="confirm"),
            path("versions/", CalendarVersionListView.as_view(), name="versions"),
        ]


class CalendarDayViewSet(SnippetViewSet):
    model = CalendarDay
    icon = "calendar-alt"
    menu_label = "节假日与调休"
    add_to_admin_menu = False
    search_backend_name = None
    search_fields = ["name"]
    list_display = ["date", "name", BooleanColumn("is_working_day", label="是否工作日"), "source"]
    list_filter = ["is_working_day", "source"]
    list_per_page = 100
    copy_view_enabled = False


# What the admin's create/edit/delete hooks do for the calendar: each edit is recorded as a version.


def after_day_saved(request: HttpRequest, instance: CalendarDay, action: str) -> None:
    from .calendar import describe_day_change

    version = record_version(describe_day_change(action, instance), user=request.user)
    _announce(request, version)


def after_days_deleted(request: HttpRequest, instances: list[CalendarDay]) -> None:
    from .calendar import describe_day_change

    summary = "；".join(describe_day_change("删除", day) for day in instances)
    _announce(request, record_version(summary, user=request.user))


def after_year_created(request: HttpRequest, instance: CalendarYear) -> None:
    added = fill_year(instance)
    version = record_version(
        f"新增{instance.year}年（{instance.get_status_display()}，{added}个调整日）", user=request.user
    )
    _announce(request, version)


def after_years_deleted(request: HttpRequest, instances: list[CalendarYear]) -> None:
    _announce(request, remove_years([row.year for row in instances], user=request.user))


def _announce(request: HttpRequest, version: CalendarVersion | None) -> None:
    if version is not None:
        messages.info(request, f"已生成工作日历第{version.number}版；此后计算的期限使用新版本，已有工单的期限不变。")
