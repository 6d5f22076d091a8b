"""Workbench views in the Wagtail admin. Thin: read input, call a service, show the result.

Every view starts from ``visible_cases``: a case the user may not see answers 404, as if absent.
"""

from __future__ import annotations

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

from . import services
from .charts import rate_bars
from .duplicates import find_duplicates
from .errors import CaseError, CaseValidationError, FieldProblem
from .export import scores_workbook
from .forms import ActionForm, CaseFilterForm, ScoresForm
from .models import Assignment, Case, CaseEvent, CasePhoto
from .notifications import inbox
from .permissions import actor_for, acts_for, can_dispatch, visible_cases
from .replies import USAGE_OF_ACTION, templates_for
from .scores import compute_scores
from .workbench import available_actions, filter_cases, listing_queryset, whistle_board

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
            overdue=filters.get("overdue", False),
            due_soon=filters.get("due_soon", False),
            whistle=filters.get("whistle", False),
            category=filters.get("category", ""),
            query=(filters.get("q") or "").strip(),
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
        actions = available_actions(case, actor, assignments)
        names = {a.name for a in actions}
        replies = {usage: templates_for(case, usage) for usage in {USAGE_OF_ACTION.get(n) for n in names} - {None}}
        candidates = []
        if "merge" in names:
            found = find_duplicates(
                category=case.category_id,
                address=case.address,
                lat=case.lat,
                lng=case.lng,
                now=case.received_at,
                exclude=case,
            )
            candidates = [c for c in found if can_dispatch(actor, c)]
        priorities = []
        if "set_priority" in names:
            priorities = list(ResponsePriority.objects.for_category(case.category).order_by("sort_order", "id"))
        context.update(
            case=case,
            assignments=assignments,
            events=CaseEvent.objects.filter(case=case).select_related("assignment__department").order_by("at", "id"),
            escalations=case.escalations.order_by("level"),
            photos=case.photos.all(),
            actions=actions,
            action_rows=[(a, replies.get(USAGE_OF_ACTION.get(a.name), [])) for a in actions],
            duplicate_candidates=candidates,
            priorities=priorities,
            merged_cases=list(case.merged_cases.order_by("received_at", "id")) if case.repeat_count else [],
            action_form=ActionForm(),
            reporter_phone=case.reporter_phone if contact_visible else case.masked_phone,
            reporter_name=case.reporter_name if contact_visible else case.masked_name,
            now=timezone.now(),
        )
        return context


def _action(name: str, case: Case, user: Any, data: dict[str, Any]) -> str:
    """Call the service behind one button; returns the success message."""
    assignment = data.get("assignment")
    if name == "acknowledge":
        services.acknowledge(assignment, actor=user)
        return "已报到。"
    if name == "return_assignment":
        services.return_assignment(assignment, actor=user, reason=data.get("reason", ""))
        return "已退单，等待街道改派。"
    if name == "assignment_feedback":
        services.give_assignment_feedback(assignment, actor=user, text=data.get("text", ""))
        return "已提交协办反馈。"
    if name == "start":
        services.start(case, actor=user)
        return "已开始办理。"
    if name == "give_feedback":
        services.give_feedback(case, actor=user, text=data.get("text", ""))
        return "已反馈。"
    if name == "resolve":
        services.resolve(case, actor=user, resolution=data.get("text", ""))
        return "已办结。"
    if name == "record_callback":
        services.record_callback(case, actor=user, satisfaction=data.get("satisfaction", ""), note=data.get("note", ""))
        return "已记录回访结果。"
    if name == "close":
        services.close(case, actor=user)
        return "已结案。"
    if name == "reopen":
        services.reopen(case, actor=user, reason=data.get("reason", ""))
        return "已重新交办。"
    if name == "redispatch":
        services.redispatch(case, actor=user, lead=data.get("lead", ""), co_handlers=data.get("co_handlers", []))
        return "已改派。"
    if name == "set_priority":
        updated = services.set_priority(case, actor=user, priority=data.get("priority"))
        return f"已设定优先级：{updated.priority.name}。" if updated.priority_id else "已取消优先级。"
    if name == "merge":
        into = (data.get("into_ticket") or data.get("into") or "").strip()
        if not into:
            raise CaseValidationError([FieldProblem("into", "required", "请选择要合并到的工单，或输入工单号。")])
        if not data.get("confirm"):
            raise CaseValidationError([FieldProblem("confirm", "required", "请勾选“确认合并”后再提交。")])
        merged = services.merge_case(case, into=into, actor=user, note=data.get("note", ""))
        return f"已合并到工单{merged.merged_into.ticket_number}。"
    if name == "manual_dispatch":
        services.manual_dispatch(
            case,
            actor=user,
            lead=data.get("lead", ""),
            co_handlers=data.get("co_handlers", []),
            category=data.get("category") or None,
            grid=data.get("grid") or None,
            whistle=data.get("whistle"),
        )
        return "已派单。"
    raise Http404("未知操作")


class CaseActionView(CasePermissionMixin, View):
    """One POST per button; domain errors come back as a message and nothing changes."""

    http_method_names = ["post"]
    permission = "cases.change_case"

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        case = get_object_or_404(visible_cases(request.user), pk=pk)
        form = ActionForm(request.POST)
        form.is_valid()
        data = dict(form.cleaned_data)
        assignment = data.get("assignment")
        if name in ("acknowledge", "return_assignment", "assignment_feedback"):
            if not assignment or not Assignment.objects.filter(pk=assignment, case=case).exists():
                raise Http404("承办分派不存在")
        try:
            messages.success(request, _action(name, case, request.user, data))
        except CaseValidationError as exc:
            messages.error(request, exc.message)
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
        now = timezone.now()
        context.update(board=whistle_board(qs, now), subdistricts=subdistricts, chosen=chosen, now=now)
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
