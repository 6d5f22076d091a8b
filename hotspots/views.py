"""Admin screens of 未诉先办: the open hotspots with their two actions. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cases.errors import CaseError
from cases.permissions import actor_for

from .models import Hotspot, HotspotStatus
from .services import HotspotError, act, dismiss, open_hotspots

PERMISSION = "cases.dispatch_case"


class HotspotPermissionMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class HotspotIndexView(HotspotPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "hotspots/index.html"
    page_title = "未诉先办 · 诉求热点"
    header_icon = "warning"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        actor = actor_for(self.request.user)
        recent = (
            Hotspot.objects.exclude(status=HotspotStatus.OPEN)
            .select_related("category", "proactive_case", "closed_by")
            .order_by("-closed_at", "-id")[:20]
        )
        context.update(hotspots=open_hotspots(actor), recent=recent)
        return context


class HotspotActionView(HotspotPermissionMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        actor = actor_for(request.user)
        note = request.POST.get("note", "")
        try:
            if name == "act":
                case = act(pk, actor=actor, note=note)
                messages.success(request, f"已生成主动工单 {case.ticket_number}，按规则派单。")
                return HttpResponseRedirect(reverse("cases_detail", args=[case.pk]))
            if name == "dismiss":
                dismiss(pk, actor=actor, note=note)
                messages.success(request, "已忽略该热点。")
            else:
                raise Http404("未知操作")
        except Hotspot.DoesNotExist:
            raise Http404("没有这个热点") from None
        except (HotspotError, CaseError) as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(reverse("hotspots_index"))
