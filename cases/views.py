"""Workbench views in the Wagtail admin. Thin: read input, call a service, show the result.

Every view starts from ``visible_cases``: a case the user may not see answers 404, as if absent.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from cms.models import ResponsePriority, Subdistrict

from . import returns
from .actions import CaseAction, get_action
from .charts import rate_bars
from .duplicates import find_duplicates, scope_of
from .errors import CaseError
from .export import scores_workbook
from .forms import ActionForm, CaseFilterForm, ScoresForm, SupervisionFilterForm
from .models import Assignment, CardColour, Case, CaseEvent, CasePhoto, ExtensionRequest, ReturnRequest
from .notifications import inbox
from .permissions import actor_for, acts_for, can_dispatch, visible_cases
from .replies import USAGE_OF_ACTION, templates_for
from .scores import compute_scores
from .stages import group_by_stage, stage_strip
from .supervision import can_close, can_reply, close_supervision, reply_supervision, visible_orders
from .workbench import CARD_CHOICES, available_actions, card_q, filter_cases, listing_queryset, whistle_board

PAGE_SIZE = 25


class CasePermissionMixin:
    """Admin access to the case screens; which cases is decided by ``visible_cases``."""

    permission = "cases.view_case"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        # Wagtail shows the last breadcrumb as the page heading; without this it reads "首页".
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(self.permission):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class CaseIndexView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/index.html"
    page_title = "我的工单"
    header_icon = "tasks"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = CaseFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        now = timezone.now()
        qs = filter_cases(
            visible_cases(self.request.user),
            now=now,
            status=filters.get("status", ""),
            pending_approval=filters.get("pending_approval", False),
            overdue=filters.get("overdue", False),
            due_soon=filters.get("due_soon", False),
            whistle=filters.get("whistle", False),
            category=filters.get("category", ""),
            query=(filters.get("q") or "").strip(),
            card=filters.get("card", ""),
            duplicate=filters.get("duplicate", False),
        )
        page = Paginator(listing_queryset(qs).order_by("-received_at", "-id"), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(form=form, page=page, now=now, query=query.urlencode())
        return context


class CaseDetailView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/detail.html"
    header_icon = "doc-full"

    def get_case(self) -> Case:
        if not hasattr(self, "_case"):
            qs = visible_cases(self.request.user).select_related(
                "category__parent",
                "grid",
                "community",
                "subdistrict",
                "alley",
                "lead_department",
                "priority",
                "merged_into",
                "possible_duplicate_of",
            )
            self._case = get_object_or_404(qs, pk=self.kwargs["pk"])
        return self._case

    def get_page_title(self) -> str:
        return f"工单 {self.get_case().ticket_number}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        actor = actor_for(self.request.user)
        assignments = list(case.assignments.select_related("department", "acknowledgement").order_by("-role", "id"))
        lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
        contact_visible = can_dispatch(actor, case) or (lead is not None and acts_for(actor, lead, case))
        events = list(CaseEvent.objects.filter(case=case).select_related("assignment__department").order_by("at", "id"))
        suggestion = case.redispatch_suggestion or {}
        initial = {"lead": suggestion.get("lead") or "", "co_handlers": suggestion.get("co_handlers") or []}
        actions = available_actions(case, actor, assignments)
        names = {a.name for a in actions}
        replies = {usage: templates_for(case, usage) for usage in {USAGE_OF_ACTION.get(n) for n in names} - {None}}
        candidates = []
        if "merge" in names:
            found = find_duplicates(**scope_of(case))
            candidates = [c for c in found if can_dispatch(actor, c)]
        priorities = []
        if "set_priority" in names:
            priorities = list(ResponsePriority.objects.for_category(case.category).order_by("sort_order", "id"))
        context.update(
            case=case,
            assignments=assignments,
            events=events,
            stage_groups=group_by_stage(events),
            stage_strip=stage_strip(case, events),
            redispatch_suggestion=suggestion,
            return_requests=ReturnRequest.objects.filter(case=case).select_related("assignment__department"),
            extension_requests=ExtensionRequest.objects.filter(case=case),
            escalations=case.escalations.order_by("level"),
            cards=case.cards.select_related("department").order_by("cycle", "due_at"),
            supervision_orders=[
                (order, can_reply(actor, order, case), can_close(actor))
                for order in case.supervision_orders.select_related("assignment__department").order_by("issued_at")
            ],
            photos=case.photos.all(),
            actions=actions,
            action_rows=[(a, replies.get(USAGE_OF_ACTION.get(a.name), [])) for a in actions],
            duplicate_candidates=candidates,
            priorities=priorities,
            merged_cases=list(case.merged_cases.order_by("received_at", "id")) if case.repeat_count else [],
            action_form=ActionForm(initial=initial),
            reporter_phone=case.reporter_phone if contact_visible else case.masked_phone,
            reporter_name=case.reporter_name if contact_visible else case.masked_name,
            now=timezone.now(),
        )
        return context


TARGET_MODELS = {"assignment": Assignment, "return_request": ReturnRequest, "extension_request": ExtensionRequest}
TARGET_FIELDS = {"assignment": "assignment", "return_request": "request", "extension_request": "request"}
MISSING_TARGET = {"assignment": "承办分派不存在", "return_request": "申请不存在", "extension_request": "申请不存在"}


def _target(action: CaseAction, case: Case, data: dict[str, Any]) -> Any:
    """The assignment or request a button is about, on this case; anything else answers 404."""
    if action.target == "case":
        return None
    pk = data.get(TARGET_FIELDS[action.target])
    found = TARGET_MODELS[action.target].objects.filter(pk=pk, case=case).first() if pk else None
    if found is None:
        raise Http404(MISSING_TARGET[action.target])
    return found


class CaseActionView(CasePermissionMixin, View):
    """One POST per button; domain errors come back as a message and nothing changes."""

    http_method_names = ["post"]
    permission = "cases.change_case"

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        case = get_object_or_404(visible_cases(request.user), pk=pk)
        action = get_action(name)
        if action is None:
            raise Http404("未知操作")
        form = ActionForm(request.POST)
        form.is_valid()
        data = dict(form.cleaned_data)
        target = _target(action, case, data)
        if "working_days" in form.errors:
            messages.error(request, form.errors["working_days"][0])
            return HttpResponseRedirect(reverse("cases_detail", args=[case.pk]))
        try:
            result = action.execute(request.user, case, target, **action.inputs_from_form(data))
            messages.success(request, action.success_message(result))
        except CaseError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("cases_detail", args=[case.pk]))


class CasePhotoView(CasePermissionMixin, View):
    """Photos are served only to people who may see the case."""

    def get(self, request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
        case = get_object_or_404(visible_cases(request.user), pk=pk)
        photo = get_object_or_404(CasePhoto, pk=photo_id, case=case)
        return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


class WhistleBoardView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/whistle.html"
    page_title = "吹哨报到看板"
    header_icon = "warning"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        qs = visible_cases(self.request.user)
        subdistricts = Subdistrict.objects.order_by("code")
        chosen = self.request.GET.get("subdistrict", "")
        if chosen:
            qs = qs.filter(subdistrict__code=chosen)
        card = self.request.GET.get("card", "")
        if card in CardColour.values:
            qs = qs.filter(card_q(card))
        now = timezone.now()
        context.update(
            board=whistle_board(qs, now),
            subdistricts=subdistricts,
            chosen=chosen,
            card=card,
            card_choices=CARD_CHOICES,
            now=now,
        )
        return context


class ScoresView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/scores.html"
    page_title = "考核统计"
    header_icon = "order"
    permission = "cases.view_case_scores"

    def get_scores(self):
        form = ScoresForm(self.request.GET or None)
        start, end = form.range()
        user = self.request.user
        scoped = None if actor_for(user).is_supervisor else visible_cases(user)
        return form, compute_scores(start, end, now=timezone.now(), cases=scoped)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "xlsx":
            _form, scores = self.get_scores()
            response = HttpResponse(
                scores_workbook(scores),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            name = f"scores-{scores.start:%Y%m%d}-{scores.end:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, scores = self.get_scores()
        charts = [
            rate_bars("部门响应率（按时报到）", [(r.name, r.response_rate) for r in scores.departments]),
            rate_bars("部门按时办结率", [(r.name, r.on_time_rate) for r in scores.departments]),
            rate_bars("部门满意率", [(r.name, r.satisfaction_rate) for r in scores.departments]),
            rate_bars("街道（镇）办结率", [(r.name, r.resolution_rate) for r in scores.subdistricts]),
            rate_bars("部门综合得分", [(r.name, r.composite_score) for r in scores.departments], maximum=100),
        ]
        context.update(form=form, scores=scores, charts=charts, export_query=self.request.GET.urlencode())
        return context


class NotificationListView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/notifications.html"
    page_title = "工单通知"
    header_icon = "mail"

    def post(self, request: HttpRequest) -> HttpResponse:
        inbox(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, "已全部标为已读。")
        return HttpResponseRedirect(reverse("cases_notifications"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(inbox(self.request.user), PAGE_SIZE).get_page(self.request.GET.get("p"))
        return context


class ReturnReportView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """退单统计: per unit, who returned what and why, within or after the window, and the decisions."""

    template_name = "cases/returns_report.html"
    page_title = "退单统计"
    header_icon = "redirect"
    permission = "cases.view_case_scores"

    def get_report(self) -> tuple[ScoresForm, returns.ReturnReport]:
        form = ScoresForm(self.request.GET or None)
        start, end = form.range()
        user = self.request.user
        scoped = None if actor_for(user).is_supervisor else visible_cases(user)
        return form, returns.return_report(start, end, cases=scoped)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "csv":
            _form, report = self.get_report()
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="returns-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv"'
            )
            response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
            writer = csv.writer(response)
            writer.writerow(
                ["承办单位", "退单合计", "时限内退单", "超时限申请", "同意", "驳回", "待审核", *report.reasons]
            )
            for row in [*report.rows, report.total]:
                writer.writerow(
                    [
                        row.name,
                        row.total,
                        row.in_window,
                        row.after_window,
                        row.approved,
                        row.refused,
                        row.pending,
                        *row.reason_counts(report.reasons),
                    ]
                )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, report = self.get_report()
        rows = [(row, row.reason_counts(report.reasons)) for row in report.rows]
        context.update(
            form=form,
            report=report,
            rows=rows,
            total_reasons=report.total.reason_counts(report.reasons),
            export_query=self.request.GET.urlencode(),
        )
        return context


class SupervisionListView(CasePermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """督办单: every order for 区督办, the orders of their own cases for everyone else."""

    template_name = "cases/supervision.html"
    page_title = "督办单"
    header_icon = "warning"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = SupervisionFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        orders = visible_orders(self.request.user).select_related("case", "department", "subdistrict")
        if filters.get("status"):
            orders = orders.filter(status=filters["status"])
        if filters.get("reason"):
            orders = orders.filter(reason=filters["reason"])
        if filters.get("department"):
            orders = orders.filter(department__code=filters["department"])
        page = Paginator(orders.order_by("-issued_at", "-id"), PAGE_SIZE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(form=form, page=page, query=query.urlencode())
        return context


class SupervisionActionView(CasePermissionMixin, View):
    """回复 (the handling unit) or 销号 (区督办) of one order; errors come back as a message."""

    http_method_names = ["post"]
    permission = "cases.change_case"

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        order = get_object_or_404(visible_orders(request.user), pk=pk)
        try:
            if name == "reply":
                reply_supervision(order, actor=request.user, text=request.POST.get("text", ""))
                messages.success(request, f"已回复督办单{order.number}。")
            elif name == "close":
                close_supervision(order, actor=request.user, note=request.POST.get("note", ""))
                messages.success(request, f"督办单{order.number}已销号。")
            else:
                raise Http404("未知操作")
        except CaseError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("cases_detail", args=[order.case_id]))
