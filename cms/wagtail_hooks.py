"""Admin menus for the configuration model: listing, filters, Chinese search, CSV/XLSX export."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Q, Value, When
from django.urls import reverse
from django.utils.safestring import mark_safe
from wagtail import hooks
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_locale, calendar_admin, choosers, compare  # noqa: F401 (compare registers the diff classes)
from .filters import AddressFilterSet, GridFilterSet, StaffMemberFilterSet
from .models import (
    Address,
    Alley,
    CalendarDay,
    CalendarYear,
    Community,
    ConfigVersion,
    Department,
    District,
    Grid,
    GridDuty,
    GridPolicy,
    PolicyPage,
    ReplyTemplate,
    RequestCategory,
    ResponsePriority,
    RuleBook,
    ServiceItemPage,
    StaffMember,
    Street,
    Subdistrict,
    TimeLimitRule,
)


class DatabaseSearchViewSet(SnippetViewSet):
    """Listing search through the database (icontains): Wagtail's index does not segment Chinese."""

    search_backend_name = None
    add_to_admin_menu = False
    inspect_view_enabled = True
    chooser_viewset_class = choosers.SearchableSnippetChooserViewSet
    chooser_per_page = 50


def simple_viewset(model, attrs: dict | None = None) -> type[SnippetViewSet]:
    """A database-searched listing for a small reference table."""
    return type(f"{model.__name__}ViewSet", (DatabaseSearchViewSet,), {"model": model, **(attrs or {})})


class PolicyStatusColumn(Column):
    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["value"] = (
            mark_safe('<span class="w-status w-status--label" data-policy="violating">不符合规范</span>')
            if instance.violates_policy
            else mark_safe('<span class="w-status w-status--primary" data-policy="ok">符合</span>')
        )
        return context


class GridViewSet(DatabaseSearchViewSet):
    model = Grid
    icon = "table"
    list_display = [
        "name",
        "code",
        Column("community", label="所属社区（村）", accessor="community"),
        Column("subdistrict", label="街道（镇）", accessor="community.subdistrict"),
        "kind",
        "households",
        "population",
        Column("leader_count", label="网格长"),
        Column("worker_count", label="网格员"),
        PolicyStatusColumn("violates_policy", label="规范检查"),
    ]
    filterset_class = GridFilterSet
    list_per_page = 50
    search_fields = ["name", "code", "division_code", "community__name", "addresses__address"]
    list_export = [
        "code",
        "division_code",
        "name",
        "kind",
        "community.name",
        "community.subdistrict.name",
        "households",
        "population",
        "leader_count",
        "worker_count",
        "violates_policy",
    ]
    export_headings = {
        "community.name": "所属社区（村）",
        "community.subdistrict.name": "街道（镇）",
        "leader_count": "网格长人数",
        "worker_count": "网格员人数",
        "violates_policy": "不符合规范",
    }
    export_filename = "grids"

    def get_queryset(self, request):
        policy = GridPolicy.load(request_or_site=request)
        return (
            Grid.objects.with_staff_counts()
            .annotate(
                violates_policy=Case(
                    When(policy.violation_q(), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
            .select_related("community__subdistrict")
            .distinct()
        )


class AddressViewSet(DatabaseSearchViewSet):
    model = Address
    icon = "site"
    list_display = ["address", "grid", Column("alley", label="巷", accessor="alley")]
    filterset_class = AddressFilterSet
    search_fields = ["address", "grid__name", "alley__name"]
    list_export = ["address", "grid.code", "grid.name", "alley.code", "alley.name"]
    export_headings = {
        "grid.code": "网格编码",
        "grid.name": "网格",
        "alley.code": "巷编码",
        "alley.name": "巷",
    }
    export_filename = "addresses"

    def get_queryset(self, request):
        return Address.objects.select_related("grid", "alley__street")


class StaffMemberViewSet(DatabaseSearchViewSet):
    model = StaffMember
    icon = "user"
    list_display = ["name", "role", Column("masked_phone", label="电话"), "grid", "alley", "department"]
    filterset_class = StaffMemberFilterSet
    search_fields = ["name", "phone", "grid__name", "alley__name", "department__name"]
    list_export = ["name", "role", "phone", "grid.name", "alley.name", "street.name", "department.name"]
    export_filename = "staff"

    def get_queryset(self, request):
        return StaffMember.objects.select_related("grid", "alley__street", "street", "department")


class RegionsGroup(SnippetViewSetGroup):
    menu_label = "区划与网格"
    menu_icon = "site"
    menu_order = 200
    items = (
        simple_viewset(District, {"search_fields": ["name", "code"]}),
        simple_viewset(
            Subdistrict,
            {"search_fields": ["name", "code"], "list_display": ["name", "kind", "code"]},
        ),
        simple_viewset(
            Community,
            {
                "search_fields": ["name", "code"],
                "list_display": ["name", "kind", "subdistrict", "phone"],
                "list_filter": ["kind", "subdistrict"],
            },
        ),
        GridViewSet,
        simple_viewset(
            Street,
            {"search_fields": ["name", "code"], "list_display": ["name", "subdistrict"]},
        ),
        simple_viewset(
            Alley,
            {"search_fields": ["name", "code"], "list_display": ["name", "street"]},
        ),
        AddressViewSet,
        StaffMemberViewSet,
        simple_viewset(GridDuty, {"search_fields": ["name"]}),
    )


class DepartmentViewSet(DatabaseSearchViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "code", "kind", "duty_phone", BooleanColumn("active", label="启用")]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code", "duties"]
    list_export = ["code", "name", "kind", "duty_phone", "duties", "active"]
    export_filename = "departments"


class RequestCategoryViewSet(DatabaseSearchViewSet):
    model = RequestCategory
    icon = "tag"
    list_display = ["__str__", "code", "default_lead_kind", "default_lead_department"]
    list_filter = ["parent", "default_lead_kind", "default_lead_department"]
    search_fields = ["name", "code", "keywords", "urgent_keywords"]

    def get_queryset(self, request):
        return RequestCategory.objects.select_related("parent", "default_lead_department")


def category_names(instance) -> str:
    """The categories a template or priority is limited to, or 全部分类."""
    return "、".join(str(c) for c in instance.categories.all()) or "全部分类"


class ReplyTemplateViewSet(DatabaseSearchViewSet):
    model = ReplyTemplate
    icon = "doc-full"
    list_display = [
        "title",
        Column("usages", label="用途", accessor=lambda t: "、".join(t.usages)),
        Column("categories", label="适用分类", accessor=category_names),
        BooleanColumn("active", label="启用"),
        "sort_order",
    ]
    list_filter = ["active", "use_feedback", "use_resolve", "use_callback", "categories"]
    search_fields = ["title", "text"]

    def get_queryset(self, request):
        return ReplyTemplate.objects.prefetch_related("categories__parent")


class ResponsePriorityViewSet(DatabaseSearchViewSet):
    model = ResponsePriority
    icon = "order"
    list_display = [
        "name",
        "description",
        Column("categories", label="适用分类", accessor=category_names),
        "sort_order",
    ]
    search_fields = ["name", "description"]

    def get_queryset(self, request):
        return ResponsePriority.objects.prefetch_related("categories__parent")


class DepartmentsGroup(SnippetViewSetGroup):
    menu_label = "部门与诉求分类"
    menu_icon = "group"
    menu_order = 210
    items = (DepartmentViewSet, RequestCategoryViewSet, ReplyTemplateViewSet, ResponsePriorityViewSet)


class TimeLimitRuleViewSet(DatabaseSearchViewSet):
    model = TimeLimitRule
    icon = "time"
    list_display = [
        "__str__",
        "ack_hours",
        BooleanColumn("feedback_same_day", label="当日反馈"),
        "feedback_working_days",
        "complete_working_days",
    ]
    search_fields = ["request_type", "note"]


class TimeGroup(SnippetViewSetGroup):
    menu_label = "时限与日历"
    menu_icon = "time"
    menu_order = 220
    items = (TimeLimitRuleViewSet, calendar_admin.CalendarYearViewSet, calendar_admin.CalendarDayViewSet)


@hooks.register("after_create_snippet")
def record_calendar_creation(request, instance):
    if isinstance(instance, CalendarDay):
        calendar_admin.after_day_saved(request, instance, "新增")
    elif isinstance(instance, CalendarYear):
        calendar_admin.after_year_created(request, instance)


@hooks.register("after_edit_snippet")
def record_calendar_edit(request, instance):
    if isinstance(instance, CalendarDay):
        calendar_admin.after_day_saved(request, instance, "修改")


@hooks.register("after_delete_snippet")
def record_calendar_deletion(request, instances):
    days = [i for i in instances if isinstance(i, CalendarDay)]
    years = [i for i in instances if isinstance(i, CalendarYear)]
    if days:
        calendar_admin.after_days_deleted(request, days)
    if years:
        calendar_admin.after_years_deleted(request, years)


class ConfigVersionViewSet(DatabaseSearchViewSet):
    """Read-only history of published categories and time limits: who changed what, who approved it."""

    model = ConfigVersion
    icon = "history"
    menu_label = "分类与时限版本"
    list_display = [
        "object_label",
        "number",
        Column(
            "changes",
            label="修改内容",
            accessor=lambda v: "；".join(f"{f}：{a} → {b}" for f, a, b in v.changes) or "首次发布",
        ),
        "changed_by",
        "approved_by",
        DateColumn("published_at", label="发布时间"),
    ]
    list_filter = ["content_type"]
    search_fields = ["object_label"]
    copy_view_enabled = False

    def get_queryset(self, request):
        return ConfigVersion.objects.select_related("changed_by", "approved_by")


register_snippet(ConfigVersionViewSet)
register_snippet(RegionsGroup)
register_snippet(DepartmentsGroup)
register_snippet(TimeGroup)


class ChineseSearchPageIndexView(PageListingViewSet.index_view_class):
    """Flat page listing whose search matches Chinese substrings in the database."""

    search_lookups: tuple[str, ...] = ("title__icontains",)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = Q()
        for lookup in self.search_lookups:
            query |= Q(**{lookup: self.search_query})
        return queryset.filter(query)


class ServiceItemIndexView(ChineseSearchPageIndexView):
    search_lookups = ("title__icontains", "code__icontains", "summary__icontains", "keywords__icontains")


class PolicyIndexView(ChineseSearchPageIndexView):
    search_lookups = ("title__icontains", "code__icontains", "doc_number__icontains", "summary__icontains")


class ServiceItemListingViewSet(PageListingViewSet):
    model = ServiceItemPage
    index_view_class = ServiceItemIndexView
    icon = "list-ul"
    menu_label = "服务事项"
    menu_order = 100
    add_to_admin_menu = True
    name = "service_items"
    list_display = [
        "title",
        "code",
        "service_category",
        "department",
        BooleanColumn("online", label="网办"),
        BooleanColumn("live", label="已发布"),
    ]
    list_filter = ["service_category", "department", "online", "live"]
    list_export = [
        "code",
        "title",
        "service_category",
        "department.name",
        "summary",
        "time_limit_working_days",
        "fee",
        "max_visits",
        "online",
        "location",
        "live",
    ]
    export_headings = {"department.name": "主管部门", "live": "已发布"}
    export_filename = "service_items"


class PolicyListingViewSet(PageListingViewSet):
    model = PolicyPage
    index_view_class = PolicyIndexView
    icon = "doc-full"
    menu_label = "政策文件"
    menu_order = 110
    add_to_admin_menu = True
    name = "policies"
    list_display = ["title", "code", "doc_number", "issuer", "published_date", BooleanColumn("live", label="已发布")]
    list_filter = ["issuer", "live"]
    list_export = [
        "code",
        "title",
        "doc_number",
        "issuer",
        "published_date",
        "effective_date",
        "summary",
        "live",
    ]
    export_filename = "policies"


@hooks.register("register_admin_viewset")
def register_service_item_listing():
    return ServiceItemListingViewSet()


@hooks.register("register_admin_viewset")
def register_policy_listing():
    return PolicyListingViewSet()


class CountSummaryItem(SummaryItem):
    """One line of the dashboard summary: a count that links to its listing."""

    template_name = "cms/admin/summary_item.html"

    def __init__(self, request, *, model, url_name, label, icon, order, flagged=None):
        super().__init__(request)
        self.model, self.url_name, self.label, self.icon, self.order = model, url_name, label, icon, order
        self.flagged = flagged

    def get_context_data(self, parent_context):
        return {
            "total": self.model.objects.count(),
            "label": self.label,
            "icon": self.icon,
            "url": reverse(self.url_name),
            "flagged": self.flagged() if self.flagged else None,
        }

    def is_shown(self):
        return self.request.user.has_perm(f"{self.model._meta.app_label}.view_{self.model._meta.model_name}")


@hooks.register("construct_homepage_summary_items")
def add_configuration_summary(request, items):
    items.extend(
        [
            CountSummaryItem(
                request,
                model=Grid,
                url_name="wagtailsnippets_cms_grid:list",
                label="个网格",
                icon="table",
                order=300,
                flagged=lambda: Grid.objects.violating_policy().count(),
            ),
            CountSummaryItem(
                request,
                model=Department,
                url_name="wagtailsnippets_cms_department:list",
                label="个部门",
                icon="group",
                order=310,
            ),
            CountSummaryItem(
                request,
                model=Address,
                url_name="wagtailsnippets_cms_address:list",
                label="个门牌地址",
                icon="site",
                order=320,
            ),
        ]
    )


@hooks.register("register_admin_viewset")
def register_chinese_site_listing():
    return admin_locale.site_viewset


@hooks.register("construct_settings_menu")
def link_chinese_site_listing(request, items):
    for item in items:
        if item.name == "sites":
            item.url = admin_locale.site_viewset.menu_url


def _refuse_own_publish(request, model):
    """Four eyes: publishing straight from the editor would approve one's own change."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from .models.approval import SELF_APPROVAL_REFUSED, self_approval_allowed
    from .versions import FOUR_EYES_MODELS

    if request.method != "POST" or "action-publish" not in request.POST or self_approval_allowed():
        return None
    if model is RuleBook or model in FOUR_EYES_MODELS:
        messages.error(request, f"未发布。{SELF_APPROVAL_REFUSED}请使用“提交审核”。")
        return redirect(request.get_full_path())
    return None


@hooks.register("before_edit_snippet")
def refuse_own_publish_on_edit(request, instance):
    return _refuse_own_publish(request, type(instance))


@hooks.register("before_create_snippet")
def refuse_own_publish_on_create(request, model):
    return _refuse_own_publish(request, model)
