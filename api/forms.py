"""Admin forms of the API's models: revoking a key and choosing webhook events."""

from __future__ import annotations

from typing import Any

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm


class PartnerKeyForm(WagtailAdminModelForm):
    revoke = forms.BooleanField(
        label="吊销此密钥",
        required=False,
        help_text="吊销在数秒内（API_KEY_CACHE_SECONDS）对所有服务进程生效且不可恢复；需要新密钥时请新建。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk or self.instance.revoked_at:
            self.fields.pop("revoke", None)

    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=commit)
        if commit and self.cleaned_data.get("revoke"):
            instance.revoke()
        return instance


class WebhookSubscriptionForm(WagtailAdminModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from api.models import WebhookEvent

        if "events" in self.fields:
            self.fields["events"] = forms.MultipleChoiceField(
                label="订阅事件",
                choices=WebhookEvent.choices,
                widget=forms.CheckboxSelectMultiple,
                initial=self.instance.events or [],
            )

    def clean_url(self) -> str:
        """Only https to public addresses (or a host in ``WEBHOOK_INTERNAL_HOSTS``)."""
        from api.webhooks.destinations import UnsafeDestination, check

        url = self.cleaned_data["url"]
        try:
            check(url)
        except UnsafeDestination as error:
            raise forms.ValidationError(str(error)) from None
        return str(url)
