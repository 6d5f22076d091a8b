"""The simulator's input form: a request as a resident or the hotline would send it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cms.models import RequestType

CHANNELS = [("12345", "12345热线"), ("web", "网站"), ("app", "移动端"), ("grid", "网格员上报")]


class SimulationForm(forms.Form):
    text = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    request_type = forms.ChoiceField(label="诉求类型", choices=RequestType.choices, initial=RequestType.COMPLAINT)
    address = forms.CharField(label="地址", required=False, max_length=255, help_text="门牌地址；与坐标二选一。")
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    received_at = forms.DateTimeField(label="受理时间", required=False, help_text="留空为当前时间。")
    channel = forms.ChoiceField(label="渠道", choices=CHANNELS, initial="12345")
    source = forms.ChoiceField(
        label="规则版本",
        choices=[("draft", "草稿（最新修订，未发布）"), ("live", "已发布版本")],
        initial="live",
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_point = data.get("lat") is not None and data.get("lng") is not None
        if not data.get("address") and not has_point:
            raise forms.ValidationError("请填写地址，或同时填写经度和纬度。")
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise forms.ValidationError("经度和纬度需要同时填写。")
        return data

    def to_request(self) -> dict[str, Any]:
        data = self.cleaned_data
        received = data.get("received_at") or timezone.now()
        request: dict[str, Any] = {
            "type": data["request_type"],
            "text": data["text"],
            "channel": data["channel"],
            "received_at": timezone.localtime(received).isoformat(),
        }
        if data.get("address"):
            request["address"] = data["address"].strip()
        if data.get("lat") is not None:
            request["point"] = {"lat": data["lat"], "lng": data["lng"]}
        return request
