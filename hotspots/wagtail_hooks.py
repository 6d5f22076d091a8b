"""Admin wiring: the 未诉先办 screen under 诉求工单's neighbour menu, and a dashboard panel."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from cases.permissions import actor_for

from . import views
from .services import open_hotspots


@hooks.register("register_admin_urls")
def register_hotspot_urls():
    return [
        path("hotspots/", views.HotspotIndexView.as_view(), name="hotspots_index"),
        path("hotspots/<int:pk>/<slug:name>/", views.HotspotActionView.as_view(), name="hotspots_action"),
    ]


class HotspotMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(views.PERMISSION)


@hooks.register("register_admin_menu_item")
def register_hotspot_menu():
    return HotspotMenuItem("未诉先办", reverse("hotspots_index"), icon_name="warning", order=151)


class HotspotPanel(Component):
    name = "hotspots"
    order = 110
    template_name = "hotspots/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        hotspots = open_hotspots(actor_for(self.request.user), limit=5)
        return {"hotspots": hotspots, "index_url": reverse("hotspots_index")}


@hooks.register("construct_homepage_panels")
def add_hotspot_panel(request, panels):
    if request.user.has_perm(views.PERMISSION):
        panels.append(HotspotPanel(request))
