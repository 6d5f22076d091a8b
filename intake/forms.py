"""The operator's call form: who called, where, what kind of request, what they said."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from cases.services import CaseSubmission
from cms.models import RequestType

from .suggestions import locate


class IntakeForm(forms.Form):
    reporter_name = forms.CharField(label="来电人", max_length=64, required=False)
    reporter_phone = forms.CharField(
        label="联系电话", max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    address = forms.CharField(
        label="地址",
        max_length=255,
        required=False,
        help_text="输入时从门牌登记中提示；不在登记中的地址也可填写，再在地图上选点。",
        widget=forms.TextInput(attrs={"list": "intake-addresses", "autocomplete": "off"}),
    )
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    request_type = forms.ChoiceField(
        label="诉求类型", choices=RequestType.choices, initial=RequestType.COMPLAINT, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="诉求内容",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "请填写诉求内容。"},
    )
    # One key per opened form: a double click or a resent POST gives the same ticket, not two.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=128)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", f"intake-{uuid.uuid4().hex}")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_lat, has_lng = data.get("lat") is not None, data.get("lng") is not None
        if has_lat != has_lng:
            raise forms.ValidationError("经度和纬度需要同时填写（或在地图上点选）。")
        if not (data.get("address") or "").strip() and not has_lat:
            raise forms.ValidationError("请填写地址，或在地图上选点。")
        return data

    def place(self):
        data = self.cleaned_data
        return locate(data.get("address", "").strip(), data.get("lat"), data.get("lng"))

    def submission(self) -> CaseSubmission:
        data = self.cleaned_data
        point = {"lat": data["lat"], "lng": data["lng"]} if data.get("lat") is not None else None
        return CaseSubmission(
            request_type=data["request_type"],
            text=data["text"],
            channel="12345",
            address=data.get("address", "").strip(),
            point=point,
            reporter_name=data.get("reporter_name", "").strip(),
            reporter_phone=data.get("reporter_phone", "").strip(),
            idempotency_key=data["idempotency_key"],
        )
