"""The city's handling rules for hotline cases (退单、延期、挂起、黄红牌、督办、重复诉求).

The Shandong hotline measures fix the shape of these rules; the numbers differ from city to
city, so every number lives here and administrators change it without code.
"""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from cms.fields import LinesField

DEFAULT_RETURN_REASONS = [
    "不属于本单位职责",
    "派单地址或区域有误",
    "诉求内容不清，无法办理",
    "已由其他单位受理办理",
    "其他",
]

DEFAULT_PAUSE_REASONS = [
    "诉求人电话无法接通",
    "等待诉求人补充材料",
    "诉求人要求暂缓办理",
    "其他",
]


def _return_reasons() -> list[str]:
    return list(DEFAULT_RETURN_REASONS)


def _pause_reasons() -> list[str]:
    return list(DEFAULT_PAUSE_REASONS)


@register_setting(icon="time")
class HandlingPolicy(BaseGenericSetting):
    """Numbers of the 12345 handling rules; defaults follow the provincial practice."""

    return_window_working_days = models.PositiveIntegerField(
        "自行退单时限（工作日）",
        default=2,
        help_text="承办单位收到工单后在此时限内可自行退单；超过时限退单须经街道（镇）审核同意。",
    )
    return_reasons = LinesField("退单理由选项", default=_return_reasons, blank=True, help_text="每行一项。")

    extension_max_working_days = models.PositiveIntegerField(
        "延期累计上限（工作日）", default=10, help_text="一件工单各次批准延期的工作日合计不超过此数。"
    )

    yellow_card_working_days = models.PositiveIntegerField(
        "黄牌预警提前量（工作日）", default=1, help_text="办结时限前第N个工作日起亮黄牌。"
    )
    red_card_overdue_working_days = models.PositiveIntegerField(
        "红牌：逾期第N个工作日", default=1, help_text="1 表示逾期的第一个工作日即亮红牌。"
    )
    supervise_overdue = models.BooleanField("逾期工单生成督办单", default=True)
    supervise_repeat_unsatisfied = models.BooleanField(
        "重办后回访仍不满意生成督办单", default=True, help_text="第二次回访不满意时生成督办单，由区督办层级处理。"
    )

    pause_max_working_days = models.PositiveIntegerField(
        "挂起累计上限（工作日）", default=5, help_text="挂起期间不计入承办单位办理时间，累计不超过此数。"
    )
    pause_reasons = LinesField("挂起理由选项", default=_pause_reasons, blank=True, help_text="每行一项。")

    duplicate_radius_m = models.PositiveIntegerField(
        "重复诉求判定半径（米）", default=250, help_text="同一分类、同一地址或此半径内的未办结工单视为可能重复。"
    )
    duplicate_lookback_days = models.PositiveIntegerField("重复诉求回看天数", default=30)
    repeat_cap_per_source = models.PositiveIntegerField(
        "重复反映：每个来源最多计入人数",
        default=3,
        help_text="计算重复反映次数时按诉求人（电话）去重；同一来源（合作方密钥、工作人员账号或网站访问地址）最多计入此数。",
    )

    received_at_max_age_days = models.PositiveIntegerField(
        "受理时间最早可回溯（天）",
        default=7,
        help_text="渠道补录诉求时填写的受理时间不得早于此天数之前；更早的受理时间会被拒绝，避免新工单一受理就逾期。",
    )
    received_at_max_ahead_minutes = models.PositiveIntegerField(
        "受理时间最多可超前（分钟）", default=5, help_text="容许各渠道时钟的误差。"
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("return_window_working_days"), FieldPanel("return_reasons")], heading="退单（回退）"
        ),
        MultiFieldPanel([FieldPanel("extension_max_working_days")], heading="延期"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("yellow_card_working_days"), FieldPanel("red_card_overdue_working_days")]),
                FieldRowPanel([FieldPanel("supervise_overdue"), FieldPanel("supervise_repeat_unsatisfied")]),
            ],
            heading="黄牌、红牌与督办",
        ),
        MultiFieldPanel([FieldPanel("pause_max_working_days"), FieldPanel("pause_reasons")], heading="挂起"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("duplicate_radius_m"), FieldPanel("duplicate_lookback_days")]),
                FieldPanel("repeat_cap_per_source"),
            ],
            heading="重复诉求",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("received_at_max_age_days"), FieldPanel("received_at_max_ahead_minutes")])],
            heading="补录受理时间",
        ),
    ]

    class Meta:
        verbose_name = "工单办理规则"
        verbose_name_plural = "工单办理规则"
