"""Edit-page panels that show computed checks next to the fields they concern."""

from __future__ import annotations

from typing import Any

from wagtail.admin.panels import Panel


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
