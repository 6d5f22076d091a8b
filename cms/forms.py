"""Admin forms that let administrators pick references from lists instead of typing codes."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.auth import LoginForm


def _department_choices() -> list[tuple[str, str]]:
    from .models import Department

    return [(d.code, d.name) for d in Department.objects.filter(active=True).order_by("code")]


def _category_choices() -> list[tuple[str, Any]]:
    from .models import RequestCategory

    categories = list(RequestCategory.objects.select_related("parent").order_by("sort_order", "code"))
    groups: list[tuple[str, Any]] = []
    for top in (c for c in categories if c.parent_id is None):
        leaves = [(c.code, f"　{c.name}") for c in categories if c.parent_id == top.pk]
        groups.append((top.name, [(top.code, f"{top.name}（全部）"), *leaves]))
    return groups


def _subdistrict_choices() -> list[tuple[str, str]]:
    from .models import Subdistrict

    return [(s.code, s.name) for s in Subdistrict.objects.order_by("code")]


@lru_cache(maxsize=2)
def _keyword_suggestions(generation: int) -> str:
    from .models import RequestCategory

    words: set[str] = set()
    for keywords, urgent in RequestCategory.objects.values_list("keywords", "urgent_keywords"):
        words.update(keywords or [])
        words.update(urgent or [])
    return json.dumps(sorted(words), ensure_ascii=False)


def keyword_suggestions() -> str:
    """Every category keyword, as JSON for the rule editor's keyword box (refreshed on configuration change)."""
    from .models.stamp import ConfigStamp

    return _keyword_suggestions(ConfigStamp.current())


class RoutingRuleForm(WagtailAdminModelForm):
    """A routing row: long lists become searchable chips, keywords become tags (``static/cms/rule_editor.js``)."""

    class Media:
        js = ["cms/rule_editor.js"]
        css = {"all": ["cms/rule_editor.css"]}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models.rulebook import CO_HANDLER_TOKENS, LEAD_TOKENS
        from .models.timelimits import RequestType

        departments = _department_choices()
        self._replace("when_types", forms.MultipleChoiceField, RequestType.choices, forms.CheckboxSelectMultiple)
        self._replace("when_categories", forms.MultipleChoiceField, _category_choices(), forms.SelectMultiple)
        self._replace(
            "when_subdistricts",
            forms.MultipleChoiceField,
            _subdistrict_choices(),
            forms.CheckboxSelectMultiple,
        )
        self._replace(
            "then_lead",
            forms.ChoiceField,
            [("", "不改变"), ("特殊主办", list(LEAD_TOKENS.items())), ("部门", departments)],
            forms.Select,
        )
        self._replace(
            "then_co_handlers",
            forms.MultipleChoiceField,
            [("特殊协办", list(CO_HANDLER_TOKENS.items())), ("部门", departments)],
            forms.SelectMultiple,
        )
        self.fields["when_keywords"].widget.attrs.update({"data-keyword-suggestions": keyword_suggestions(), "rows": 2})
        for name in ("when_urgent", "when_urgent_signal", "when_secondary_present"):
            self.fields[name] = forms.NullBooleanField(
                label=self.fields[name].label,
                help_text=self.fields[name].help_text,
                required=False,
                widget=forms.Select(choices=[("unknown", "不限"), ("true", "是"), ("false", "否")]),
            )

    def _replace(self, name: str, field_class: type[forms.Field], choices: Any, widget: type[forms.Widget]) -> None:
        old = self.fields[name]
        attrs = {"size": 8, "data-rule-picker": ""} if widget is forms.SelectMultiple else {}
        self.fields[name] = field_class(
            label=old.label,
            help_text=old.help_text,
            required=False,
            choices=choices,
            widget=widget(attrs=attrs),
        )


class CalendarDayForm(WagtailAdminModelForm):
    """A day entered or changed in the admin is the administrator's word, whatever it was seeded from."""

    def save(self, commit: bool = True) -> Any:
        from .models.calendar import DaySource

        self.instance.source = DaySource.ADMIN
        return super().save(commit=commit)


class AdminLoginForm(LoginForm):
    """Wagtail's login form labels its password field with the bare field name ("Password")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "密码"
