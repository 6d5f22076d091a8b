"""Forms of the resident pages. They check the shape of the input; ``cases.services`` checks the rest."""

from __future__ import annotations

import re
import uuid

from django import forms

from cases.limits import ADDRESS_MAX, COMMENT_MAX, LOOKUP_MAX, NAME_MAX, PHONE_RE, TEXT_MAX, TEXT_MIN
from cases.models import Satisfaction
from cases.photos import MAX_PHOTO_BYTES, PhotoRejected, check_photo
from cms.models import RequestType

KEY_RE = re.compile(r"^[0-9a-f]{32}$")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class SubmitCaseForm(forms.Form):
    """提交诉求. Field names are the page's; ``FIELD_FOR_PROBLEM`` maps the service's names onto them."""

    FIELD_FOR_PROBLEM = {
        "type": "request_type",
        "text": "text",
        "address": "address",
        "point": "address",
        "reporter_name": "name",
        "reporter_phone": "phone",
        "photos": "photo",
    }

    request_type = forms.ChoiceField(
        label="诉求类型",
        choices=[("", "请选择"), *RequestType.choices],
        error_messages={"required": "请选择诉求类型。", "invalid_choice": "请从列表中选择诉求类型。"},
    )
    text = forms.CharField(
        label="诉求内容",
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请写清楚发生了什么、在哪里、持续多久、希望怎样解决。",
        error_messages={
            "required": "请填写诉求内容。",
            "min_length": "诉求内容太短，请至少写 %(limit_value)d 个字。",
            "max_length": "诉求内容不能超过 %(limit_value)d 字（现在 %(show_value)d 字）。",
        },
    )
    address = forms.CharField(
        label="地址",
        required=False,
        max_length=ADDRESS_MAX,
        help_text="写到门牌号，例如“历下区泉城路街道芙蓉街16号”；也可以点“使用我的位置”。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-address-suggest": "/address/suggest/"}),
        error_messages={"max_length": "地址不能超过 %(limit_value)d 字。"},
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    phone = forms.CharField(
        label="联系电话",
        max_length=32,
        help_text="用于回访和查询办理进度，不会公开。",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": "请填写联系电话，查询进度时需要用到。"},
    )
    name = forms.CharField(
        label="姓名（选填）",
        required=False,
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": "姓名不能超过 %(limit_value)d 字。"},
    )
    photo = forms.FileField(
        label="照片（选填）",
        required=False,
        help_text=f"JPEG、PNG 或 WebP，不超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not PHONE_RE.match(phone):
            raise forms.ValidationError("联系电话格式不正确，请填写手机号或带区号的座机号。", code="invalid_phone")
        return phone

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if upload:
            try:
                check_photo(upload)
            except PhotoRejected as error:
                raise forms.ValidationError(error.message, code=error.code) from None
            upload.seek(0)
        return upload

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"].strip()
        if not KEY_RE.match(key):
            raise forms.ValidationError("页面已过期，请刷新后重新提交。", code="invalid_key")
        return key

    def clean(self):
        cleaned = super().clean()
        has_point = cleaned.get("lat") is not None and cleaned.get("lng") is not None
        if not cleaned.get("address", "").strip() and not has_point and "address" not in self.errors:
            self.add_error("address", forms.ValidationError("请填写地址，或点“使用我的位置”。", code="required"))
        return cleaned


class TrackForm(forms.Form):
    ticket_number = forms.CharField(
        label="工单号",
        max_length=LOOKUP_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text="提交成功后页面显示的工单号，如 LX20260317000001。",
        error_messages={"required": "请填写工单号。", "max_length": "工单号不能超过 %(limit_value)d 个字符。"},
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=LOOKUP_MAX,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text="提交诉求时留的电话；也可以填受理时给出的查询码。",
        error_messages={"required": "请填写联系电话。", "max_length": "联系电话不能超过 %(limit_value)d 个字符。"},
    )


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="您对办理结果是否满意？",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意度。", "invalid_choice": "请选择满意、基本满意或不满意。"},
    )
    comment = forms.CharField(
        label="意见（选填）",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "意见不能超过 %(limit_value)d 字。"},
    )


class GridLookupForm(forms.Form):
    address = forms.CharField(
        label="地址",
        max_length=ADDRESS_MAX,
        help_text="写到门牌号，例如“历下区泉城路街道芙蓉街16号”。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-address-suggest": "/address/suggest/"}),
        error_messages={"required": "请填写地址。", "max_length": "地址不能超过 %(limit_value)d 字。"},
    )
