"""Admin create views that show a newly issued secret exactly once."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from wagtail.snippets.views.snippets import CreateView


class SecretRevealCreateView(CreateView):
    """Create the object with a fresh secret (``instance.issue()``) and show it on the next page
    instead of redirecting; the secret is not stored in clear (keys) or not shown again (webhooks)."""

    reveal_template_name = "api/admin/secret_created.html"
    reveal_heading = ""
    reveal_help = ""

    def save_instance(self) -> Any:
        instance = self.form.instance
        self.secret = instance.issue()
        if hasattr(instance, "created_by_id") and self.request.user.is_authenticated:
            instance.created_by = self.request.user
        return super().save_instance()

    def save_action(self) -> HttpResponse:
        if self.expects_json_response:
            return JsonResponse({**self.get_success_json(), "secret": self.secret})
        response = TemplateResponse(
            self.request,
            self.reveal_template_name,
            {
                "object": self.object,
                "secret": self.secret,
                "heading": self.reveal_heading,
                "help": self.reveal_help,
                "index_url": self.get_success_url(),
                "edit_url": self.get_edit_url(),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class PartnerKeyCreateView(SecretRevealCreateView):
    reveal_heading = "合作方密钥已创建"
    reveal_help = (
        "请立即复制并通过安全渠道交给合作方。离开本页后将无法再次查看；"
        "系统只保存密钥摘要。调用接口时放在请求头：Authorization: Bearer <密钥>。"
    )


class WebhookSubscriptionCreateView(SecretRevealCreateView):
    reveal_heading = "事件订阅已创建"
    reveal_help = (
        "这是推送签名密钥（Standard Webhooks 格式），请交给接收方用现成的 Standard Webhooks 库"
        "校验 webhook-id、webhook-timestamp、webhook-signature 三个请求头。离开本页后将不再显示。"
    )

    def save_instance(self) -> Any:
        from api.webhooks.signing import standard_secret

        instance = super().save_instance()
        self.secret = standard_secret(self.secret)
        return instance
