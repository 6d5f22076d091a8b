"""Routing and escalation rules as a versioned decision table that administrators edit without code.

The whole book (routing rows, escalation ladder, triggers, cap) is one snippet with drafts,
revisions, locking and an approval workflow; every publish freezes a numbered ``RulesetVersion``
that decisions record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)

from cms.fields import LinesField
from cms.panels import FormInlinePanel

from .timelimits import RequestType

# Placeholders whose meaning is fixed by rules.json's `then_placeholders`.
FIRST_MENTIONED_DEPARTMENT = "$first_mentioned_department"
OTHER_MENTIONED_DEPARTMENTS = "$other_mentioned_departments"
AREA_HANDLERS = {"grid": "网格", "community": "社区（村）", "subdistrict": "街道（镇）"}
LEAD_TOKENS = {**AREA_HANDLERS, FIRST_MENTIONED_DEPARTMENT: "文本中首先提到的部门"}
CO_HANDLER_TOKENS = {**AREA_HANDLERS, OTHER_MENTIONED_DEPARTMENTS: "文本中其余提到的部门（按提到顺序）"}


class CodeListField(models.JSONField):
    """A list of reference codes chosen from a list in the admin (see ``cms.forms``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


class CodeField(models.CharField):
    """One reference code (a department code or a token above) chosen from a list in the admin."""


class RuleBook(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    name = models.CharField("名称", max_length=128, default="诉求派单与提级规则")
    description = models.TextField("说明", blank=True)
    escalation_cap = models.PositiveSmallIntegerField("最高提级层级", default=4, validators=[MaxValueValidator(9)])

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FormInlinePanel(
            "routing_rules",
            form_class="cms.forms.RoutingRuleForm",
            heading="派单规则（决策表）",
            label="规则行",
        ),
        InlinePanel("escalation_levels", heading="提级阶梯", label="层级"),
        InlinePanel("escalation_triggers", heading="提级触发条件", label="触发条件"),
        FieldPanel("escalation_cap"),
    ]

    class Meta:
        verbose_name = "派单与提级规则"
        verbose_name_plural = "派单与提级规则"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.escalation_cap is None:
            raise ValidationError({"escalation_cap": "请填写最高提级层级。"})


class RoutingRule(Orderable):
    """One row of the decision table: when every stated condition holds, apply the actions."""

    class LeadChoice(models.TextChoices):
        KEEP = "", "不改变"

    book = ParentalKey(RuleBook, on_delete=models.CASCADE, related_name="routing_rules")
    code = models.SlugField("规则编码", max_length=64)
    description = models.TextField("说明", blank=True)
    priority = models.IntegerField("优先级", default=100, help_text="数字小的先应用；后应用的行可覆盖主办单位。")
    enabled = models.BooleanField("启用", default=True)

    when_types = CodeListField("诉求类型", help_text="不选表示不限。")
    when_categories = CodeListField("诉求分类", help_text="可选一级分类（代表其下所有叶子）或叶子分类；不选表示不限。")
    when_keywords = LinesField("命中任一关键词", split_commas=True)
    when_subdistricts = CodeListField("所在街道（镇）")
    when_urgent = models.BooleanField("已判定为紧急件", null=True, blank=True, help_text="留空表示不限。")
    when_repeat_count_gte = models.PositiveSmallIntegerField(
        "30天内同址同类诉求件数≥", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    when_departments_involved_gte = models.PositiveSmallIntegerField(
        "涉及部门数≥", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    when_confidence_gte = models.FloatField(
        "分类置信度≥",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="智能分类对主分类的置信度（0–1）；关键词确定的分类也带置信度。",
    )
    when_urgent_signal = models.BooleanField(
        "智能分类判断为紧急", null=True, blank=True, help_text="文本描述正在发生的险情（不含假设、担心和过去的事）。"
    )
    when_secondary_present = models.BooleanField(
        "文本要求处理第二个问题", null=True, blank=True, help_text="如“另外……”“还有……”提出的另一类问题。"
    )

    then_lead = CodeField("主办单位", max_length=64, blank=True, help_text="留空表示不改变。")
    then_co_handlers = CodeListField("协办单位")
    then_whistle = models.BooleanField("街道吹哨", default=False)
    then_urgent = models.BooleanField("按紧急件办理", default=False)
    then_escalate_to_level = models.PositiveSmallIntegerField("初始提级层级", null=True, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("priority"), FieldPanel("enabled")]),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("when_types"),
                FieldPanel("when_categories"),
                FieldPanel("when_keywords"),
                FieldPanel("when_subdistricts"),
                FieldRowPanel(
                    [
                        FieldPanel("when_urgent"),
                        FieldPanel("when_repeat_count_gte"),
                        FieldPanel("when_departments_involved_gte"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("when_confidence_gte"),
                        FieldPanel("when_urgent_signal"),
                        FieldPanel("when_secondary_present"),
                    ]
                ),
            ],
            heading="条件（全部满足时生效）",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("then_lead"), FieldPanel("then_escalate_to_level")]),
                FieldPanel("then_co_handlers"),
                FieldRowPanel([FieldPanel("then_whistle"), FieldPanel("then_urgent")]),
            ],
            heading="动作",
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"

    def __str__(self) -> str:
        return self.code

    def has_conditions(self) -> bool:
        return bool(
            self.when_types
            or self.when_categories
            or self.when_keywords
            or self.when_subdistricts
            or self.when_urgent is not None
            or self.when_repeat_count_gte
            or self.when_departments_involved_gte
            or self.when_confidence_gte is not None
            or self.when_urgent_signal is not None
            or self.when_secondary_present is not None
        )

    def as_reference(self) -> dict[str, Any]:
        """The row in the neutral format of ``rules.json`` (only the stated conditions and actions)."""
        when: dict[str, Any] = {}
        for key, value in (
            ("type", self.when_types),
            ("category", self.when_categories),
            ("keywords_any", self.when_keywords),
            ("subdistrict", self.when_subdistricts),
        ):
            if value:
                when[key] = list(value)
        if self.when_urgent is not None:
            when["urgent"] = self.when_urgent
        if self.when_repeat_count_gte:
            when["repeat_count_gte"] = self.when_repeat_count_gte
        if self.when_departments_involved_gte:
            when["departments_involved_gte"] = self.when_departments_involved_gte
        if self.when_confidence_gte is not None:
            when["confidence_gte"] = self.when_confidence_gte
        if self.when_urgent_signal is not None:
            when["urgent_signal"] = self.when_urgent_signal
        if self.when_secondary_present is not None:
            when["secondary_present"] = self.when_secondary_present
        then: dict[str, Any] = {}
        if self.then_lead:
            then["lead"] = self.then_lead
        if self.then_co_handlers:
            then["co_handlers"] = list(self.then_co_handlers)
        if self.then_whistle:
            then["whistle"] = True
        if self.then_urgent:
            then["urgent"] = True
        if self.then_escalate_to_level is not None:
            then["escalate_to_level"] = self.then_escalate_to_level
        return {
            "id": self.code,
            "priority": self.priority,
            "description": self.description,
            "when": when,
            "then": then,
        }


class EscalationLevel(Orderable):
    book = ParentalKey(RuleBook, on_delete=models.CASCADE, related_name="escalation_levels")
    level = models.PositiveSmallIntegerField("层级")
    code = models.SlugField("编码", max_length=64)
    name = models.CharField("名称", max_length=64)
    handlers = LinesField("处置人", split_commas=True, help_text="如：网格员、小巷管家；巷长；街长……")
    description = models.TextField("说明", blank=True)

    panels = [
        FieldRowPanel([FieldPanel("level"), FieldPanel("code"), FieldPanel("name")]),
        FieldPanel("handlers"),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "提级层级"
        verbose_name_plural = "提级层级"

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class EscalationTrigger(Orderable):
    class Event(models.TextChoices):
        ACK_OVERDUE = "ack_overdue", "超过报到时限未报到"
        COMPLETE_OVERDUE = "complete_overdue", "超过办结时限未办结"
        EACH_FURTHER_WORKING_DAY = "overdue_each_further_working_day", "办结逾期后每再过一个工作日"

    book = ParentalKey(RuleBook, on_delete=models.CASCADE, related_name="escalation_triggers")
    code = models.SlugField("编码", max_length=64)
    event = models.CharField("触发事件", max_length=64, choices=Event.choices)
    levels_up = models.PositiveSmallIntegerField("提升层级数", default=1)
    description = models.TextField("说明", blank=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("event"), FieldPanel("levels_up")]),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "提级触发条件"
        verbose_name_plural = "提级触发条件"

    def __str__(self) -> str:
        return self.get_event_display()


class RulesetVersion(models.Model):
    """A frozen, published state of the rule book; every decision records its number."""

    number = models.PositiveIntegerField("版本号", unique=True)
    book = models.ForeignKey(RuleBook, models.CASCADE, related_name="versions", verbose_name="规则")
    revision = models.ForeignKey(
        "wagtailcore.Revision", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="修订"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
        help_text="写下这一版规则的人（所发布修订的作者）。",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="批准人"
    )
    content = models.JSONField("规则内容", help_text="发布时的派单规则与提级设置（rules.json 格式）。")

    class Meta:
        verbose_name = "规则版本"
        verbose_name_plural = "规则版本"
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}（{timezone.localtime(self.published_at):%Y-%m-%d %H:%M}）"


def rulebook_content(book: RuleBook) -> dict[str, Any]:
    """The book in the neutral ``rules.json`` format; works on live objects and revision objects alike."""
    rules = sorted((r for r in book.routing_rules.all() if r.enabled), key=lambda r: (r.priority, r.sort_order or 0))
    levels = sorted(book.escalation_levels.all(), key=lambda lv: lv.level)
    return {
        "routing": [r.as_reference() for r in rules],
        "escalation": {
            "levels": [
                {"level": lv.level, "code": lv.code, "name": lv.name, "handlers": list(lv.handlers)} for lv in levels
            ],
            "cap": book.escalation_cap,
            "triggers": [
                {"id": t.code, "event": t.event, "levels_up": t.levels_up} for t in book.escalation_triggers.all()
            ],
        },
    }


REQUEST_TYPE_CHOICES = RequestType.choices
