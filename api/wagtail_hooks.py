"""Admin for partner keys, webhook subscriptions and the webhook delivery log (menu “开放接口”)."""

from __future__ import annotations

from typing import Any

from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import PartnerKeyCreateView, WebhookSubscriptionCreateView
from .models import PartnerKey, WebhookDelivery, WebhookSubscription


class RestrictedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions minus the actions listed in ``denied`` (for everyone, superusers too)."""

    def __init__(self, model: Any, denied: tuple[str, ...]) -> None:
        super().__init__(model)
        self.denied = denied

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action not in self.denied and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Any) -> Any:
        allowed = [action for action in actions if action not in self.denied]
        if not allowed:
            return super().users_with_any_permission([]).none()
        return super().users_with_any_permission(allowed)


# Keys are revoked, never deleted (the log of what a key did stays meaningful); the delivery log
# is written only by the worker.
register_permission_policy(PartnerKey, RestrictedPermissionPolicy(PartnerKey, ("delete",)))
register_permission_policy(WebhookDelivery, RestrictedPermissionPolicy(WebhookDelivery, ("add", "change", "delete")))


class StatusColumn(Column):
    def get_value(self, instance: PartnerKey) -> str:
        return "有效" if instance.is_active else "已吊销"


class ScopesColumn(Column):
    def get_value(self, instance: PartnerKey) -> str:
        parts = []
        if instance.can_read_content:
            parts.append("读取内容")
        if instance.can_submit_cases:
            parts.append("提交诉求")
        departments = [d.name for d in instance.departments.all()]
        if departments:
            parts.append("代表部门：" + "、".join(departments))
        return "；".join(parts) or "无"


class PartnerKeyViewSet(SnippetViewSet):
    model = PartnerKey
    icon = "key"
    add_view_class = PartnerKeyCreateView
    search_backend_name = None
    search_fields = ["name", "partner", "prefix"]
    list_display = [
        "name",
        "partner",
        Column("prefix", label="密钥前缀"),
        ScopesColumn("scopes", label="权限范围"),
        "rate_limit_per_minute",
        DateColumn("last_used_at", label="最近使用"),
        StatusColumn("status", label="状态"),
    ]
    list_filter = ["can_read_content", "can_submit_cases"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "partner",
        "prefix",
        "can_read_content",
        "can_submit_cases",
        "departments",
        "rate_limit_per_minute",
        "created_at",
        "created_by",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "note",
    ]

    def get_queryset(self, request: Any) -> Any:
        return PartnerKey.objects.prefetch_related("departments")


class WebhookSubscriptionViewSet(SnippetViewSet):
    model = WebhookSubscription
    icon = "link-external"
    add_view_class = WebhookSubscriptionCreateView
    search_backend_name = None
    search_fields = ["name", "url"]
    list_display = [
        "name",
        "url",
        "partner_key",
        Column("events", label="订阅事件"),
        BooleanColumn("active", label="启用"),
    ]
    list_filter = ["active"]
    inspect_view_enabled = True
    inspect_view_fields = ["name", "partner_key", "url", "events", "departments", "active", "created_at"]

    def get_queryset(self, request: Any) -> Any:
        return WebhookSubscription.objects.select_related("partner_key")


class WebhookDeliveryViewSet(SnippetViewSet):
    model = WebhookDelivery
    icon = "history"
    search_backend_name = None
    search_fields = ["ticket_number", "subscription__name"]
    list_display = [
        DateColumn("created_at", label="创建时间"),
        "event",
        "ticket_number",
        "subscription",
        "status",
        "attempts",
        "response_status",
        DateColumn("next_attempt_at", label="下次尝试"),
    ]
    list_filter = ["status", "event", "subscription"]
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_fields = [
        "subscription",
        "event",
        "event_id",
        "ticket_number",
        "status",
        "attempts",
        "response_status",
        "response_body",
        "last_error",
        "duration_ms",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "payload",
    ]

    def get_queryset(self, request: Any) -> Any:
        return WebhookDelivery.objects.select_related("subscription")


class ApiGroup(SnippetViewSetGroup):
    menu_label = "开放接口"
    menu_icon = "code"
    menu_order = 900
    items = (PartnerKeyViewSet, WebhookSubscriptionViewSet, WebhookDeliveryViewSet)


register_snippet(ApiGroup)
