"""The reviewer's diff of a rule book shows names, 是/否 and 不限, never raw codes, True or None."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.models import RuleBook

pytestmark = pytest.mark.django_db


def test_the_rule_diff_speaks_chinese(admin_client_zh):
    book = RuleBook.objects.get()
    before = book.save_revision()
    draft = RuleBook.objects.get(pk=book.pk)
    rows = list(draft.routing_rules.all())
    row = rows[0]
    row.when_categories = ["cat-drain-sewer", "cat-water-quality"]
    row.when_subdistricts = ["sd-quanchenglu"]
    row.when_keywords = ["污水", "返水"]
    row.when_urgent = True
    row.then_lead = "dept-drain"
    row.then_co_handlers = ["dept-water", "grid"]
    row.then_whistle = not row.then_whistle
    draft.routing_rules = rows
    after = draft.save_revision()

    url = reverse("wagtailsnippets_cms_rulebook:revisions_compare", args=[book.pk, before.pk, after.pk])
    html = admin_client_zh.get(url).content.decode()
    for name in ("下水道堵塞与污水外溢", "泉城路街道", "历下区排水服务中心", "污水、返水", "网格", "（未设置）"):
        assert name in html, name
    raw_values = (
        "cat-drain-sewer",
        "sd-quanchenglu",
        "dept-drain",
        "dept-water",
        ">True<",
        ">False<",
        ">None<",
        "[&#x27;",
    )
    for raw in raw_values:
        assert raw not in html, raw
