"""Admin wiring for 来电登记: URLs and a top-level menu item for whoever may register cases."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


@hooks.register("register_admin_urls")
def register_intake_urls():
    return [
        path("intake/", views.IntakeView.as_view(), name="intake"),
        path("intake/assist/", views.AssistView.as_view(), name="intake_assist"),
        path("intake/ticket/<str:ticket>/", views.TicketView.as_view(), name="intake_ticket"),
    ]


class IntakeMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(views.PERMISSION)


@hooks.register("register_admin_menu_item")
def register_intake_menu():
    return IntakeMenuItem("来电登记", reverse("intake"), icon_name="mail", order=140)
