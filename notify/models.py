"""One notice to one person over one channel, kept so that a retry never sends it twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NoticeChannel(models.TextChoices):
    IN_APP = "in_app", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Notice(models.Model):
    key = models.CharField(
        "幂等键", max_length=200, unique=True, help_text="同一条通知的唯一标识；重试或重复调用不会再发一次。"
    )
    channel = models.CharField("渠道", max_length=8, choices=NoticeChannel.choices, default=NoticeChannel.IN_APP)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name="接收账号",
    )
    address = models.CharField("手机号或邮箱", max_length=254, blank=True)
    kind = models.CharField("类型", max_length=40, blank=True, help_text="如 case_received，用于短信模板。")
    subject = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("内容")
    params = models.JSONField("模板参数", default=dict, blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    status = models.CharField("状态", max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    provider_id = models.CharField("服务商回执号", max_length=100, blank=True)
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "channel", "read_at"], name="notice_inbox_idx")]

    def __str__(self) -> str:
        return self.subject or self.body[:40]
