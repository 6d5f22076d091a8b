"""Admin wiring for the workbench: URLs, the “诉求工单” menu, and the dashboard panel."""

from __future__ import annotations

from datetime import timedelta

from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.components import Component

from . import views
from .charts import rate_bars
from .models import CaseStatus
from .permissions import actor_for, visible_cases
from .scores import compute_scores
from .workbench import department_queue, overdue_q


@hooks.register("register_admin_urls")
def register_case_urls():
    return [
        path("cases/", views.CaseIndexView.as_view(), name="cases_index"),
        path("cases/whistle/", views.WhistleBoardView.as_view(), name="cases_whistle"),
        path("cases/scores/", views.ScoresView.as_view(), name="cases_scores"),
        path("cases/returns/", views.ReturnReportView.as_view(), name="cases_returns_report"),
        path("cases/notifications/", views.NotificationListView.as_view(), name="cases_notifications"),
        path("cases/supervision/", views.SupervisionListView.as_view(), name="cases_supervision"),
        path(
            "cases/supervision/<int:pk>/<slug:name>/",
            views.SupervisionActionView.as_view(),
            name="cases_supervision_action",
        ),
        path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="cases_detail"),
        path("cases/<int:pk>/photos/<int:photo_id>/", views.CasePhotoView.as_view(), name="cases_photo"),
        path("cases/<int:pk>/<slug:name>/", views.CaseActionView.as_view(), name="cases_action"),
    ]


class PermittedMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class CasesSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("cases.view_case")


@hooks.register("register_admin_menu_item")
def register_cases_menu():
    submenu = Menu(
        items=[
            PermittedMenuItem(
                "我的工单", reverse("cases_index"), icon_name="tasks", order=10, permission="cases.view_case"
            ),
            PermittedMenuItem(
                "人工派单队列",
                reverse("cases_index") + "?status=pending_dispatch",
                icon_name="list-ul",
                order=15,
                permission="cases.dispatch_case",
            ),
            PermittedMenuItem(
                "待审批（退单、延期）",
                reverse("cases_index") + "?pending_approval=on",
                icon_name="help",
                order=16,
                permission="cases.dispatch_case",
            ),
            PermittedMenuItem(
                "吹哨报到看板", reverse("cases_whistle"), icon_name="warning", order=20, permission="cases.view_case"
            ),
            PermittedMenuItem(
                "督办单", reverse("cases_supervision"), icon_name="warning", order=25, permission="cases.view_case"
            ),
            PermittedMenuItem(
                "考核统计", reverse("cases_scores"), icon_name="order", order=30, permission="cases.view_case_scores"
            ),
            PermittedMenuItem(
                "退单统计",
                reverse("cases_returns_report"),
                icon_name="redirect",
                order=35,
                permission="cases.view_case_scores",
            ),
            PermittedMenuItem(
                "工单通知", reverse("cases_notifications"), icon_name="mail", order=40, permission="cases.view_case"
            ),
        ]
    )
    return CasesSubmenu("诉求工单", submenu, icon_name="tasks", order=150)


class CasesDashboardPanel(Component):
    name = "cases_scores"
    order = 120
    template_name = "cases/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        user = self.request.user
        now = timezone.now()
        today = timezone.localdate()
        visible = visible_cases(user)
        scoped = None if actor_for(user).is_supervisor else visible
        scores = compute_scores(today - timedelta(days=29), today, now=now, cases=scoped)
        return {
            "manual_queue": visible.filter(status=CaseStatus.PENDING_DISPATCH).count(),
            "overdue": visible.filter(overdue_q(now)).count(),
            "response_chart": rate_bars("部门响应率", [(r.name, r.response_rate) for r in scores.departments]),
            "satisfaction_chart": rate_bars("部门满意率", [(r.name, r.satisfaction_rate) for r in scores.departments]),
        }


@hooks.register("construct_homepage_panels")
def add_cases_panel(request, panels):
    if request.user.has_perm("cases.view_case_scores"):
        panels.append(CasesDashboardPanel(request))


class DepartmentQueuePanel(Component):
    """A department officer's day on the home page: what to report in, what is due, what is late."""

    name = "cases_department_queue"
    order = 50
    template_name = "cases/department_queue_panel.html"

    def __init__(self, request, department):
        self.request = request
        self.department = department

    def get_context_data(self, parent_context=None):
        return {"department": self.department, "groups": department_queue(self.department.pk, timezone.now())}


@hooks.register("construct_homepage_panels")
def add_department_queue_panel(request, panels):
    staff = actor_for(request.user).staff
    if staff is not None and staff.department_id and request.user.has_perm("cases.view_case"):
        panels.append(DepartmentQueuePanel(request, staff.department))
