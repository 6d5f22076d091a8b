"""Snippet choosers (department, grid, staff…) that search Chinese names in the database and list sorted.

Wagtail's default chooser pages through 10 rows in primary-key order and searches only models in
its search index; these match any part of the name or code and show 50 at a time.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django import forms
from django.db.models import Q, QuerySet
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet

SEARCHED_FIELDS = ("name", "code", "address", "title")
# How each chooser lists its rows: by the area they belong to, then by name.
ORDERING = {
    "grid": ("community__subdistrict__code", "community__code", "code"),
    "staffmember": ("role", "name"),
    "department": ("name",),
    "address": ("address",),
}


class NameSearchForm(BaseFilterForm):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "名称或编码的任意部分"})
    )

    def filter(self, objects: QuerySet) -> QuerySet:
        query = (self.cleaned_data.get("q") or "").strip()
        if not query:
            return objects
        names = {f.name for f in objects.model._meta.get_fields()}
        lookups = [Q(**{f"{field}__icontains": query}) for field in SEARCHED_FIELDS if field in names]
        self.is_searching, self.search_query = True, query
        return objects.filter(reduce(or_, lookups)) if lookups else objects


class SortedSearchMixin:
    filter_form_class = NameSearchForm
    per_page = 50

    def get_object_list(self):
        objects = super().get_object_list()
        ordering = ORDERING.get(self.model._meta.model_name)
        return objects.order_by(*ordering) if ordering else objects


class SearchableChooseView(SortedSearchMixin, ChooseView):
    pass


class SearchableChooseResultsView(SortedSearchMixin, ChooseResultsView):
    pass


class SearchableSnippetChooserViewSet(SnippetChooserViewSet):
    choose_view_class = SearchableChooseView
    choose_results_view_class = SearchableChooseResultsView
