"""来电登记: the hotline operator's form, the live hints beside it and the ticket to read back."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cases.errors import CaseValidationError
from cases.models import Case, CaseEvent, Channel, EventKind
from cases.permissions import visible_cases
from cases.services import submit_case
from portal.addresses import suggest_addresses
from rules.loader import live_config

from .districtmap import district_map
from .forms import IntakeForm
from .suggestions import locate, open_cases_nearby, suggest_categories, urgency_hint

PERMISSION = "cases.add_case"
# LX20261202000001 is read to the caller as LX · 20261202 · 000001.
TICKET_PARTS = re.compile(r"^([A-Z]+)(\d{8})(\d+)$")
# Form fields the service reports problems on under another name.
FIELD_NAMES = {"type": "request_type", "point": "lat"}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


class OperatorMixin:
    """Only users who may register cases (the 热线受理员 group, dispatchers, supervisors)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class AdminPage(OperatorMixin, WagtailAdminTemplateMixin, TemplateView):
    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]


class IntakeView(AdminPage):
    template_name = "intake/intake.html"
    page_title = "来电登记"
    header_icon = "mail"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(request, IntakeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(request.POST)
        if form.is_valid():
            try:
                result = submit_case(form.submission(), actor=request.user)
            except CaseValidationError as error:
                for problem in error.problems:
                    field = FIELD_NAMES.get(problem.field, problem.field)
                    form.add_error(field if field in form.fields else None, problem.message)
            else:
                return redirect("intake_ticket", ticket=result.case.ticket_number)
        return self.render(request, form, status=400)

    def render(self, request: HttpRequest, form: IntakeForm, status: int = 200) -> HttpResponse:
        context = self.get_context_data(
            form=form,
            map=district_map(),
            assist_url=reverse("intake_assist"),
            model_version=live_config().model_version if live_config().text_model is not None else "",
        )
        return self.render_to_response(context, status=status)


class TicketView(AdminPage):
    """The ticket number, spaced for reading it to the caller, and what happens next."""

    template_name = "intake/ticket.html"
    page_title = "来电登记：已受理"
    header_icon = "success"

    def get(self, request: HttpRequest, *args: Any, ticket: str = "", **kwargs: Any) -> HttpResponse:
        # The operator who took the call reads it back even when the case is outside their area.
        registered = CaseEvent.objects.filter(kind=EventKind.RECEIVED, actor=request.user).values("case_id")
        cases = Case.objects.filter(Q(pk__in=visible_cases(request.user).values("pk")) | Q(pk__in=registered))
        case = get_object_or_404(
            cases.select_related("category", "grid", "lead_department"), ticket_number=ticket, channel=Channel.HOTLINE
        )
        parts = TICKET_PARTS.match(case.ticket_number)
        groups = parts.groups() if parts else (case.ticket_number,)
        can_open = visible_cases(request.user).filter(pk=case.pk).exists()
        context = self.get_context_data(
            case=case, ticket_groups=groups, detail_url=reverse("cases_detail", args=[case.pk]) if can_open else ""
        )
        return self.render_to_response(context)


class AssistView(OperatorMixin, View):
    """JSON for the form's side panel: addresses, where it is, categories, urgency, open cases there."""

    def get(self, request: HttpRequest) -> JsonResponse:
        text = request.GET.get("text", "")[:4000]
        address = request.GET.get("address", "").strip()[:255]
        lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
        if lat is None or lng is None:
            lat = lng = None
        categories = suggest_categories(text)
        place = locate(address, lat, lng) if (address or lat is not None) else None
        nearby = (
            open_cases_nearby([c.code for c in categories], address=address, lat=lat, lng=lng)
            if (address or lat is not None)
            else []
        )
        hint = urgency_hint(text)
        payload: dict[str, Any] = {
            "addresses": suggest_addresses(address) if address else [],
            "place": asdict(place) if place else None,
            "categories": [asdict(c) for c in categories],
            "urgent": hint.urgent,
            "urgent_cues": list(hint.cues),
            "open_cases": [
                {**asdict(c), "received_at": timezone.localtime(c.received_at).strftime("%m-%d %H:%M")} for c in nearby
            ],
        }
        return JsonResponse(payload)
