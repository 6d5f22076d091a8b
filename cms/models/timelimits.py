"""The time-limit policy of 民有所呼、即接即办 (the working calendar lives in ``cms.models.calendar``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin


class RequestType(models.TextChoices):
    CONSULT = "咨询", "咨询"
    SUGGEST = "建议", "建议"
    HELP = "求助", "求助"
    REPORT = "举报", "举报"
    COMPLAINT = "投诉", "投诉"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class TimeLimitRule(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """Deadlines follow these rows: edits are drafts until another person approves them."""

    request_type = models.CharField("诉求类型", max_length=8, choices=RequestType.choices)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices)
    ack_hours = models.PositiveIntegerField("报到时限（小时）", help_text="派单后按自然小时连续计算。")
    feedback_same_day = models.BooleanField("当日反馈", default=False, help_text="受理当天23:59:59前反馈。")
    feedback_working_days = models.PositiveIntegerField("反馈时限（工作日）", null=True, blank=True)
    complete_working_days = models.PositiveIntegerField("办结时限（工作日）")
    note = models.TextField("说明", blank=True)

    panels = [
        FieldRowPanel([FieldPanel("request_type"), FieldPanel("urgency")]),
        FieldRowPanel([FieldPanel("ack_hours"), FieldPanel("feedback_same_day"), FieldPanel("feedback_working_days")]),
        FieldPanel("complete_working_days"),
        FieldPanel("note"),
    ]

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        ordering = ["request_type", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["request_type", "urgency"], name="unique_time_limit_per_type_urgency")
        ]

    def __str__(self) -> str:
        return f"{self.get_request_type_display()}·{self.get_urgency_display()}"

    def clean(self) -> None:
        if not self.feedback_same_day and not self.feedback_working_days:
            raise ValidationError({"feedback_working_days": "不是当日反馈时，必须填写反馈时限（工作日）。"})
