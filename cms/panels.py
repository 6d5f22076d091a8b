"""Edit-page panels that show computed checks next to the fields they concern."""

from __future__ import annotations

from typing import Any

from wagtail.admin.panels import InlinePanel, Panel


class GridPolicyPanel(Panel):
    """Lists how a grid breaks the grid standard; informs, never blocks saving."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/panels/grid_policy.html"

        def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            instance = self.instance
            context["violations"] = instance.policy_violations() if instance and instance.pk else []
            context["saved"] = bool(instance and instance.pk)
            return context


class FormInlinePanel(InlinePanel):
    """An InlinePanel whose child rows use a given form class (for choices loaded from the database)."""

    def __init__(self, relation_name: str, form_class: str, **kwargs: Any) -> None:
        super().__init__(relation_name, **kwargs)
        self.form_class = form_class

    def clone_kwargs(self) -> dict[str, Any]:
        kwargs = super().clone_kwargs()
        kwargs["form_class"] = self.form_class
        return kwargs

    def get_form_options(self) -> dict[str, Any]:
        from django.utils.module_loading import import_string

        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = import_string(self.form_class)
        return options
