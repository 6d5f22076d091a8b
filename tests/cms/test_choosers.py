"""Choosers for departments, grids and staff: Chinese search on any part of the name, sorted, 50 a page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cms.models import Department, Grid

pytestmark = pytest.mark.django_db


def chosen_names(html: str) -> list[str]:
    return re.findall(r"data-chooser-modal-choice[^>]*>\s*([^<]+?)\s*<", html)


def test_grid_chooser_finds_chinese_names_and_lists_them_in_order(admin_client_zh):
    url = reverse("wagtailsnippetchoosers_cms_grid:choose_results")
    html = admin_client_zh.get(url, {"q": "芙蓉"}).content.decode()
    grids = Grid.objects.filter(name__contains="芙蓉").order_by(
        "community__subdistrict__code", "community__code", "code"
    )
    expected = [str(g) for g in grids]
    assert expected and chosen_names(html) == expected

    everything = admin_client_zh.get(reverse("wagtailsnippetchoosers_cms_grid:choose")).json()["html"]
    assert len(chosen_names(everything)) == min(50, Grid.objects.count())
    assert 'placeholder="名称或编码的任意部分"' in everything


def test_department_chooser_is_sorted_by_name_and_searches_codes_too(admin_client_zh):
    url = reverse("wagtailsnippetchoosers_cms_department:choose_results")
    names = chosen_names(admin_client_zh.get(url).content.decode())
    assert names == [str(d) for d in Department.objects.order_by("name")]
    assert chosen_names(admin_client_zh.get(url, {"q": "dept-drain"}).content.decode()) == [
        str(Department.objects.get(code="dept-drain"))
    ]
