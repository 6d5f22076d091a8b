"""我的消息: a user's in-app notices, unread first counted, marked read when opened or all at once."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .services import inbox, mark_read, unread_count

PAGE_SIZE = 30


class InboxView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "notify/inbox.html"
    page_title = "我的消息"
    header_icon = "mail"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        only_unread = self.request.GET.get("unread") == "1"
        notices = inbox(user).filter(read_at__isnull=True) if only_unread else inbox(user)
        page = Paginator(notices, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page=page, unread=unread_count(user), only_unread=only_unread)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ids = [int(i) for i in request.POST.getlist("notice") if i.isdigit()]
        mark_read(request.user, ids if request.POST.get("all") != "1" else None)
        return redirect(request.get_full_path())
