"""What the Open311 channel adds to a case: the partner's service code, media link and token."""

from __future__ import annotations

import secrets

from django.db import models

from api.models import PartnerKey
from cases.models import Case


def new_token() -> str:
    return secrets.token_hex(16)


class Open311Request(models.Model):
    """One POST /requests: the case it became, who sent it and what the spec lets the caller pass."""

    case = models.OneToOneField(Case, models.CASCADE, related_name="open311", verbose_name="工单")
    partner_key = models.ForeignKey(
        PartnerKey, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="合作方密钥"
    )
    service_code = models.CharField("服务编码", max_length=64, help_text="合作方选的叶子分类编码。")
    token = models.CharField("受理令牌", max_length=32, unique=True, default=new_token, editable=False)
    media_url = models.URLField("图片链接", max_length=1000, blank=True)
    jurisdiction_id = models.CharField("辖区标识", max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "Open311 诉求"
        verbose_name_plural = "Open311 诉求"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case.ticket_number}（{self.service_code}）"
