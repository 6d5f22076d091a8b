"""The rule book's pre-publish checks, shown on the edit page against the draft being edited."""

from __future__ import annotations

from typing import Any

from wagtail.admin.panels import Panel


class RulesCheckPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "rules/panels/rules_check.html"

        def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
            from .services import check_rule_book

            context: dict[str, Any] = super().get_context_data(parent_context)
            context["warnings"] = check_rule_book(self.instance) if self.instance and self.instance.pk else []
            context["saved"] = bool(self.instance and self.instance.pk)
            return context
