"""我的消息 in the admin menu with the unread count, for every signed-in admin user."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .services import unread_count
from .views import InboxView


@hooks.register("register_admin_urls")
def register_inbox_urls():
    return [path("inbox/", InboxView.as_view(), name="notify_inbox")]


class InboxMenuItem(MenuItem):
    """The label carries the unread count: “我的消息（3）”."""

    def render_component(self, request):
        component = super().render_component(request)
        count = unread_count(request.user)
        if count:
            component.label = f"{self.label}（{count}）"
        return component


@hooks.register("register_admin_menu_item")
def register_inbox_menu():
    return InboxMenuItem("我的消息", reverse("notify_inbox"), icon_name="mail", order=145)
