"""Admin views of the rules domain: the version history and the simulator."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.generic import FormView
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from cms.models import RuleBook, RulesetVersion

from .forms import SimulationForm

version_permission = ModelPermissionPolicy(RulesetVersion)
rulebook_permission = ModelPermissionPolicy(RuleBook)


class RulesetVersionListView(ReportView):
    """Every published version, newest first, with who published it and what it held."""

    page_title = "规则版本"
    header_icon = "history"
    index_url_name = "rules_versions"
    index_results_url_name = "rules_versions"
    permission_policy = version_permission
    any_permission_required = ["view"]
    list_export = ["number", "published_at", "published_by", "row_count"]
    export_headings = {
        "number": "版本号",
        "published_at": "发布时间",
        "published_by": "发布人",
        "row_count": "规则行数",
    }
    columns = [
        Column("number", label="版本号", accessor="label"),
        DateColumn("published_at", label="发布时间"),
        Column("published_by", label="发布人"),
        Column("row_count", label="规则行数"),
        Column("row_codes", label="规则行"),
    ]

    def get_queryset(self) -> QuerySet[RulesetVersion]:
        return RulesetVersion.objects.select_related("published_by").order_by("-number")

    def decorate_paginated_queryset(self, object_list: Any) -> Any:
        for version in object_list:
            rows = version.content.get("routing", [])
            version.label = f"v{version.number}"
            version.row_count = len(rows)
            version.row_codes = "、".join(row.get("id", "") for row in rows)
        return object_list


class SimulatorView(WagtailAdminTemplateMixin, FormView[SimulationForm]):
    """Decide a typed-in request against the draft or the live rules, writing nothing."""

    template_name = "rules/simulator.html"
    form_class = SimulationForm
    page_title = "规则模拟器"
    header_icon = "resubmit"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not rulebook_permission.user_has_any_permission(request.user, ["view", "change"]):
            denied: HttpResponse = permission_denied(request)  # Wagtail is untyped
            return denied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: SimulationForm) -> HttpResponse:
        from .services import simulate

        simulation = simulate(form.to_request(), source=form.cleaned_data["source"])
        return self.render_to_response(self.get_context_data(form=form, simulation=simulation))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["versions"] = RulesetVersion.objects.order_by("-number")[:1]
        return context
