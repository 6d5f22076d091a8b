"""Scalars with the project's conventions: date-times are shown in Asia/Shanghai (+08:00)."""

from __future__ import annotations

import datetime
from typing import Any

import graphene
from django.utils import timezone


class DateTime(graphene.DateTime):
    """ISO 8601 日期时间。输出为北京时间（+08:00）；输入须带时区，不带时区按北京时间理解。"""

    @staticmethod
    def serialize(value: Any) -> str:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return str(graphene.DateTime.serialize(value))
