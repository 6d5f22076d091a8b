"""示例诉求 in the admin: added with a revision, reviewed from candidate to 启用, listed by status."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.models import ExampleRequest, ExampleSource, ExampleStatus, RequestCategory

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_an_example_with_a_revision(admin_client_zh):
    leaf = RequestCategory.objects.get(code="cat-heat-cold")
    response = admin_client_zh.post(
        reverse("wagtailsnippets_cms_examplerequest:add"),
        {"category": leaf.pk, "text": "屋里暖气片摸着冰凉", "status": ExampleStatus.ACTIVE, "note": ""},
    )
    assert response.status_code == 302
    example = ExampleRequest.objects.get()
    assert (example.category, example.source, example.status) == (leaf, ExampleSource.ADMIN, ExampleStatus.ACTIVE)
    assert example.revisions.count() == 1


def test_only_leaf_categories_can_be_chosen(admin_client_zh):
    top = RequestCategory.objects.get(code="cat-heat")
    response = admin_client_zh.post(
        reverse("wagtailsnippets_cms_examplerequest:add"),
        {"category": top.pk, "text": "暖气的事", "status": ExampleStatus.ACTIVE, "note": ""},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["category"]
    assert "选择不在可用的选项中" in response.context["form"].errors["category"][0]
    assert not ExampleRequest.objects.exists()


def test_a_reviewer_confirms_a_dispatchers_candidate(admin_client_zh):
    leaf = RequestCategory.objects.get(code="cat-drain-sewer")
    candidate = ExampleRequest.objects.create(
        category=leaf, text="院里下水道返味", status=ExampleStatus.CANDIDATE, source=ExampleSource.DISPATCHER
    )
    listing = admin_client_zh.get(reverse("wagtailsnippets_cms_examplerequest:list"), {"status": "candidate"})
    assert "院里下水道返味" in listing.content.decode()
    response = admin_client_zh.post(
        reverse("wagtailsnippets_cms_examplerequest:edit", args=[candidate.pk]),
        {"category": leaf.pk, "text": candidate.text, "status": ExampleStatus.ACTIVE, "note": "已核对"},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.source) == (ExampleStatus.ACTIVE, ExampleSource.DISPATCHER)
