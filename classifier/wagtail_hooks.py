"""Admin: 智能分类 — example requests (with revisions and review of dispatchers' candidates) and the case history."""

from __future__ import annotations

from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms.models import ExampleRequest, HistoricalCase


class ExampleRequestViewSet(SnippetViewSet):
    model = ExampleRequest
    icon = "openquote"
    menu_label = "示例诉求"
    search_backend_name = None
    list_display = ["text", "category", "status", "source", "case_ticket", "updated_at"]
    list_filter = ["status", "source", "category"]
    search_fields = ["text", "case_ticket"]
    list_per_page = 50


class HistoricalCaseViewSet(SnippetViewSet):
    model = HistoricalCase
    icon = "history"
    menu_label = "历史诉求"
    search_backend_name = None
    list_display = [
        "code",
        "text",
        Column("category", label="确认分类", accessor="category"),
        BooleanColumn("urgent", label="紧急"),
        "received_at",
    ]
    list_filter = ["urgent", "category"]
    search_fields = ["text", "code"]
    list_per_page = 50
    inspect_view_enabled = True


class ClassifierGroup(SnippetViewSetGroup):
    menu_label = "智能分类"
    menu_icon = "openquote"
    menu_order = 215
    items = (ExampleRequestViewSet, HistoricalCaseViewSet)


register_snippet(ClassifierGroup)
