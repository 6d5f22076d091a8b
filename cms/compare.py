"""The reviewer's diff in words: reference codes as names, booleans as 是/否, lists joined with 、.

Wagtail compares the stored values (``['dept-drain']``, ``True``, ``None``); these comparison
classes show what an administrator picked in the editor.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import models
from wagtail.admin.compare import FieldComparison, register_comparison_class

from .fields import LinesField
from .models.rulebook import CO_HANDLER_TOKENS, LEAD_TOKENS, CodeField, CodeListField
from .models.stamp import ConfigStamp
from .models.timelimits import RequestType

EMPTY = "（空）"
ANY = "（不限）"
UNSET = "（未设置）"


@lru_cache(maxsize=2)
def _names(generation: int) -> dict[str, str]:
    from .models import Department, RequestCategory, Subdistrict

    names = {**LEAD_TOKENS, **CO_HANDLER_TOKENS, **dict(RequestType.choices)}
    for model in (Department, Subdistrict):
        names.update(model.objects.values_list("code", "name"))
    names.update((c.code, str(c)) for c in RequestCategory.objects.select_related("parent"))
    return names


def code_names() -> dict[str, str]:
    """Reference code → name, refreshed whenever the configuration changes (``ConfigStamp``)."""
    return _names(ConfigStamp.current())


class DisplayComparison(FieldComparison):
    """Compares the values as shown to people; ``show`` turns one stored value into text."""

    def __init__(self, field: Any, obj_a: Any, obj_b: Any) -> None:
        super().__init__(field, obj_a, obj_b)
        self.val_a, self.val_b = self.show(self.val_a), self.show(self.val_b)

    def show(self, value: Any) -> str:
        if value is None:
            return UNSET
        return EMPTY if value == "" else str(value)


class BooleanComparison(DisplayComparison):
    def show(self, value: Any) -> str:
        if value is None:
            return ANY if self.field.null else EMPTY
        return "是" if value else "否"


class ThresholdComparison(DisplayComparison):
    """A condition's threshold (the classifier's confidence): empty means the row does not test it."""

    def show(self, value: Any) -> str:
        return ANY if value is None else f"{value:g}"


class LinesComparison(DisplayComparison):
    def show(self, value: Any) -> str:
        return "、".join(str(v) for v in value) if value else EMPTY


class CodeListComparison(DisplayComparison):
    def show(self, value: Any) -> str:
        if not value:
            return ANY
        names = code_names()
        return "、".join(names.get(code, f"未知编码 {code}") for code in value)


class CodeComparison(DisplayComparison):
    def show(self, value: Any) -> str:
        return code_names().get(value, f"未知编码 {value}") if value else "不改变"


register_comparison_class(models.BooleanField, comparison_class=BooleanComparison)
register_comparison_class(models.IntegerField, comparison_class=DisplayComparison)
register_comparison_class(models.FloatField, comparison_class=ThresholdComparison)
register_comparison_class(LinesField, comparison_class=LinesComparison)
register_comparison_class(CodeListField, comparison_class=CodeListComparison)
register_comparison_class(CodeField, comparison_class=CodeComparison)
