"""Forms of the staff workbench: listing filters, transition inputs, the scores range."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from cms.models import Department, Grid, HandlingPolicy, RequestCategory
from cms.units import AREA_KINDS

from .models import Satisfaction, SupervisionReason, SupervisionStatus
from .workbench import CARD_CHOICES, STATUS_CHOICES

AREA_UNITS = [(kind.value, kind.label) for kind in AREA_KINDS]


def unit_choices() -> list[tuple[str, str]]:
    return [*AREA_UNITS, *Department.objects.filter(active=True).values_list("code", "name")]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "工单号、内容或地址"})
    )
    status = forms.ChoiceField(label="状态", choices=STATUS_CHOICES, required=False)
    pending_approval = forms.BooleanField(label="待审批（退单、延期）", required=False)
    category = forms.ChoiceField(label="分类", required=False)
    card = forms.ChoiceField(label="黄红牌", choices=CARD_CHOICES, required=False)
    overdue = forms.BooleanField(label="已逾期", required=False)
    due_soon = forms.BooleanField(label="24小时内到期", required=False)
    whistle = forms.BooleanField(label="街道吹哨", required=False)
    duplicate = forms.BooleanField(label="疑似重复", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        categories = RequestCategory.objects.select_related("parent").order_by("parent__sort_order", "sort_order")
        self.fields["category"].choices = [("", "全部分类"), *[(c.code, str(c)) for c in categories]]


class ActionForm(forms.Form):
    """Inputs of every transition; each action reads the fields it needs."""

    assignment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices, required=False)
    note = forms.CharField(label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lead = forms.ChoiceField(label="主办单位", required=False)
    co_handlers = forms.MultipleChoiceField(label="协办单位", required=False, widget=forms.CheckboxSelectMultiple)
    category = forms.ChoiceField(label="诉求分类", required=False)
    grid = forms.ChoiceField(label="网格", required=False)
    whistle = forms.BooleanField(label="街道吹哨", required=False)
    request = forms.IntegerField(required=False, widget=forms.HiddenInput)
    return_reason = forms.ChoiceField(label="退单理由", required=False)
    pause_reason = forms.ChoiceField(label="挂起理由", required=False)
    working_days = forms.IntegerField(
        label="延期（工作日）",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"min": 1, "step": 1}),
        error_messages={"invalid": "延期天数须为整数个工作日。", "min_value": "延期至少1个工作日。"},
    )
    priority = forms.IntegerField(label="办理优先级", required=False)
    into = forms.CharField(label="合并到", required=False, max_length=32)
    into_ticket = forms.CharField(label="或输入工单号", required=False, max_length=32)
    confirm = forms.BooleanField(label="确认合并", required=False)

    def __init__(self, *args, policy: HandlingPolicy | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        policy = policy or HandlingPolicy.load()
        self.fields["return_reason"].choices = [("", "请选择"), *[(r, r) for r in policy.return_reasons or []]]
        self.fields["pause_reason"].choices = [("", "请选择"), *[(r, r) for r in policy.pause_reasons or []]]
        units = unit_choices()
        self.fields["lead"].choices = [("", "请选择"), *units]
        self.fields["co_handlers"].choices = units
        leaves = RequestCategory.objects.leaves().select_related("parent")
        self.fields["category"].choices = [("", "不改变"), *[(c.code, str(c)) for c in leaves]]
        grids = Grid.objects.select_related("community__subdistrict").order_by("code")
        self.fields["grid"].choices = [
            ("", "不改变"),
            *[(g.code, f"{g.community.subdistrict.name} / {g.name}") for g in grids],
        ]


class ScoresForm(forms.Form):
    # An <input type="date"> only accepts ISO dates, whatever the language of the page.
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, data=None, **kwargs) -> None:
        today = timezone.localdate()
        initial = {"start": today - timedelta(days=29), "end": today}
        if data is not None and not (data.get("start") or data.get("end")):
            data = None
        super().__init__(data, initial=initial, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("开始日期不能晚于结束日期。")
            if (end - start).days > 366 * 3:
                raise forms.ValidationError("统计区间最长三年。")
        return cleaned

    def range(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.initial["start"], self.initial["end"]


class SupervisionFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *SupervisionStatus.choices], required=False)
    reason = forms.ChoiceField(label="督办原因", choices=[("", "全部原因"), *SupervisionReason.choices], required=False)
    department = forms.ChoiceField(label="被督办部门", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(active=True).order_by("name").values_list("code", "name")
        self.fields["department"].choices = [("", "全部部门"), *departments]
