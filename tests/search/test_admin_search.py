"""The admin's page search and explorer find Chinese words through ``search.admin_search``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.search.backends import get_search_backend

from cms.models import ServiceIndexPage, ServiceItemPage
from search.admin_search import required_concepts
from search.backends.embedded import EmbeddedBackend

pytestmark = pytest.mark.django_db

CHINESE_ADMIN_SEARCH = {"default": {"BACKEND": "search.admin_search"}}


@pytest.fixture
def chinese_admin_search(settings, pages_index):
    settings.WAGTAILSEARCH_BACKENDS = CHINESE_ADMIN_SEARCH


def found_titles(response) -> set[str]:
    assert response.status_code == 200
    return {page.title for page in response.context["object_list"]}


@pytest.mark.parametrize("query", ["低保", "dibao", "最低生活保障"])
def test_page_search_finds_chinese_words_synonyms_and_pinyin(chinese_admin_search, admin_client_zh, query):
    response = admin_client_zh.get(reverse("wagtailadmin_pages:search"), {"q": query})
    assert found_titles(response) == {"最低生活保障申请", "低保边缘家庭认定"}


def test_page_search_requires_every_word(chinese_admin_search, admin_client_zh):
    response = admin_client_zh.get(reverse("wagtailadmin_pages:search"), {"q": "低保 认定"})
    assert found_titles(response) == {"低保边缘家庭认定"}


def test_a_stray_character_does_not_empty_the_results(chinese_admin_search, admin_client_zh):
    response = admin_client_zh.get(reverse("wagtailadmin_pages:search"), {"q": "最低生活保障申请表"})
    assert found_titles(response) == {"最低生活保障申请"}


def test_explorer_search_under_the_service_index(chinese_admin_search, admin_client_zh):
    parent = ServiceIndexPage.objects.get()
    response = admin_client_zh.get(reverse("wagtailadmin_explore", args=[parent.pk]), {"q": "低保"})
    assert found_titles(response) == {"最低生活保障申请", "低保边缘家庭认定"}


def test_json_list_fields_are_matched_on_every_database(chinese_admin_search):
    # 烤火费 is only a keyword (a JSON list) of the heating subsidy, not in its title or summary.
    results = get_search_backend().search("烤火费", ServiceItemPage.objects.all())
    assert [page.code for page in results] == ["svc-heating-subsidy"]


def test_unknown_words_match_nothing(chinese_admin_search, admin_client_zh):
    response = admin_client_zh.get(reverse("wagtailadmin_pages:search"), {"q": "火星移民"})
    assert found_titles(response) == set()


def test_required_concepts_keep_long_words_with_their_parts(reference_backend: EmbeddedBackend):
    plan = reference_backend.analyzer.analyze("最低生活保障申请表")
    assert [(c.term, [p.term for p in parts]) for c, parts in required_concepts(plan)] == [
        ("最低生活保障申请", ["最低生活保障", "申请"])
    ]
    plan = reference_backend.analyzer.analyze("证")
    assert [(c.term, parts) for c, parts in required_concepts(plan)] == [("证", [])]


def test_page_chooser_search_for_promotions(chinese_admin_search, admin_client_zh):
    response = admin_client_zh.get(
        reverse("wagtailadmin_choose_page_search"), {"q": "低保", "page_type": "cms.serviceitempage,cms.policypage"}
    )
    assert response.status_code == 200
    assert {page.title for page in response.context["pages"]} == {"最低生活保障申请", "低保边缘家庭认定"}
