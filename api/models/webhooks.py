"""Webhook subscriptions of partner systems and the log of every delivery attempt."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from api.forms import WebhookSubscriptionForm
from cms.models import Department

from .keys import PartnerKey


class WebhookEvent(models.TextChoices):
    CASE_CREATED = "case.created", "诉求受理"
    CASE_DISPATCHED = "case.dispatched", "派单"
    CASE_ACKNOWLEDGED = "case.acknowledged", "部门报到"
    CASE_ESCALATED = "case.escalated", "提级督办"
    CASE_RESOLVED = "case.resolved", "办结"
    NOTICE_PUBLISHED = "notice.published", "通知公告发布"


class WebhookSubscription(models.Model):
    name = models.CharField("名称", max_length=128)
    partner_key = models.ForeignKey(
        PartnerKey,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name="所属合作方密钥",
        help_text="密钥吊销后，该订阅不再投递。",
    )
    url = models.URLField(
        "接收地址",
        max_length=500,
        help_text="必须是指向公网地址的 https 网址；内网系统须由运维在 WEBHOOK_INTERNAL_HOSTS 中列出。",
    )
    events = models.JSONField("订阅事件", default=list, blank=True)
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name="限定部门",
        help_text="只推送涉及这些部门的诉求；留空表示全部诉求。",
    )
    secret = models.CharField("签名密钥", max_length=64, editable=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    base_form_class = WebhookSubscriptionForm

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("partner_key")]),
        FieldPanel("url"),
        FieldPanel("events"),
        FieldPanel("departments"),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = "事件订阅"
        verbose_name_plural = "事件订阅"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def issue(self) -> str:
        """A new signing secret; shown to the administrator once, kept to sign deliveries."""
        self.secret = secrets.token_hex(32)
        return self.secret

    @property
    def is_deliverable(self) -> bool:
        key = self.partner_key  # None without a query when there is no key
        return self.active and (key is None or key.revoked_at is None)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待投递"
        SENDING = "sending", "投递中"
        RETRYING = "retrying", "等待重试"
        SUCCEEDED = "succeeded", "成功"
        FAILED = "failed", "失败"

    subscription = models.ForeignKey(
        WebhookSubscription, models.CASCADE, related_name="deliveries", verbose_name="订阅"
    )
    event = models.CharField("事件", max_length=32, choices=WebhookEvent.choices)
    event_id = models.UUIDField("事件编号", default=uuid.uuid4, editable=False, db_index=True)
    ticket_number = models.CharField("工单编号", max_length=64, blank=True, db_index=True)
    payload = models.JSONField("内容")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    response_body = models.TextField("响应状态", blank=True, help_text="只记状态行，不保存接收方返回的内容。")
    last_error = models.TextField("最近错误", blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="api_delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.ticket_number} → {self.subscription}"
