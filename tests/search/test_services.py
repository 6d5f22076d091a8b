"""``search.services``: searches and completions with the CMS's synonyms and promotions, and the query log."""

from __future__ import annotations

import pytest

from cms.models import ConfigStamp, PolicyPage, ServiceItemPage
from search import runtime, services
from search.backends import SearchError
from search.models import SearchPromotion, SearchQueryLog, SearchSynonym

pytestmark = pytest.mark.django_db


def codes(result) -> list[str]:
    return [hit.code for hit in result.hits]


def logged() -> list[tuple[str, str, int, str]]:
    return list(
        SearchQueryLog.objects.order_by("pk").values_list("query", "normalized_query", "results_count", "kinds")
    )


def test_search_finds_the_imported_pages_and_logs_the_query(pages_index):
    result = services.search("低保")
    assert codes(result)[:3] == ["svc-dibao-apply", "svc-dibao-edge", "pol-social-assist-one-door"]
    assert result.total == 9
    assert result.hits[0].url == "/services/svc-dibao-apply/"
    assert logged() == [("低保", "低保", 9, "")]


def test_kinds_filters_and_pages(pages_index):
    result = services.search("低保", kinds=["policy"])
    assert (codes(result), result.total) == (["pol-social-assist-one-door"], 1)
    second = services.search("低保", page=2, page_size=5)
    assert codes(second) == codes(services.search("低保", page_size=10, log=False))[5:]
    services.search("低保", kinds=["service", "policy"])
    # the second page is the same search, not a new one; both kinds is all kinds
    assert logged() == [("低保", "低保", 1, "policy"), ("低保", "低保", 9, "")]


def test_pinyin_initials_are_understood(pages_index):
    result = services.search("gjj")
    assert result.corrected_query == "公积金"


def test_what_is_not_logged(pages_index):
    services.search("低保", log=False)
    services.search("   ")
    assert logged() == []


def test_long_numbers_are_masked_in_the_log(pages_index):
    services.search("身份证 370102199001011234 丢了")
    services.search("拨打 12345")
    assert [row[0] for row in logged()] == ["身份证 ****************** 丢了", "拨打 12345"]


def test_traditional_and_full_width_queries_share_one_normalised_form(pages_index):
    services.search("低保")
    services.search("ＧＪＪ")
    assert [row[1] for row in logged()] == ["低保", "gjj"]


def test_invalid_requests_raise_a_coded_error_and_are_not_logged(pages_index):
    with pytest.raises(SearchError) as error:
        services.search("低保", kinds=["news"])
    assert error.value.code == "invalid_kind"
    with pytest.raises(SearchError) as error:
        services.search("低保", page_size=500)
    assert error.value.code == "invalid_page_size"
    assert logged() == []


def test_a_synonym_added_in_the_cms_applies_to_the_next_search(pages_index):
    assert services.search("兜底", log=False).total == 0
    synonym = SearchSynonym.objects.create(terms="兜底, 最低生活保障")
    assert codes(services.search("兜底", log=False))[:1] == ["svc-dibao-apply"]
    synonym.enabled = False
    synonym.save()
    assert services.search("兜底", log=False).total == 0


def test_a_deleted_synonym_stops_applying(pages_index):
    assert codes(services.search("丢了工作", log=False))[:1] == ["svc-unemploy-register"]
    SearchSynonym.objects.filter(terms__startswith="没工作, 没有工作, 丢了工作").delete()
    assert codes(services.search("丢了工作", log=False))[:2] == ["svc-id-card", "svc-unemploy-register"]


def test_promotions_from_the_cms_pin_pages_for_a_query(pages_index):
    policy = PolicyPage.objects.get(code="pol-social-assist-one-door")
    service = ServiceItemPage.objects.get(code="svc-temp-relief")
    SearchPromotion.objects.create(query="低保", page=service, order=2)
    promotion = SearchPromotion.objects.create(query="低保", page=policy, order=1)
    SearchPromotion.objects.create(query="社保", page=policy, active=False)

    result = services.search("低保", log=False)
    assert codes(result)[:3] == ["pol-social-assist-one-door", "svc-temp-relief", "svc-dibao-apply"]
    assert [hit.promoted for hit in result.hits[:3]] == [True, True, False]
    assert "pol-social-assist-one-door" not in codes(services.search("社保", log=False))[:1]

    promotion.delete()
    assert codes(services.search("低保", log=False))[:2] == ["svc-temp-relief", "svc-dibao-apply"]


def test_a_search_reads_no_configuration_between_stamp_checks(pages_index, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 3600)
    services.search("低保", log=False)
    with django_assert_num_queries(1):  # the log row (written at once under the test settings)
        services.search("社保")
    with django_assert_num_queries(0):
        services.search("社保", log=False)


def test_the_stamp_is_one_query_when_nothing_changed(pages_index, django_assert_num_queries, monkeypatch):
    services.search("低保", log=False)
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 0)
    with django_assert_num_queries(1):  # ConfigStamp.current(); the stamp has not moved
        services.search("社保", log=False)


def test_an_edit_by_another_process_applies_once_the_stamp_moves(
    pages_index, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 3600)
    assert services.search("兜底", log=False).total == 0
    # Another process's edit: no signal reaches this one, only the stamp it advances after commit.
    SearchSynonym.objects.bulk_create([SearchSynonym(terms="兜底, 最低生活保障")])
    assert services.search("兜底", log=False).total == 0  # not checked yet (within the interval)
    with django_capture_on_commit_callbacks(execute=True):
        ConfigStamp.bump()
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 0)
    assert codes(services.search("兜底", log=False))[:1] == ["svc-dibao-apply"]


def test_an_edit_in_this_process_applies_at_once_and_advances_the_stamp(
    pages_index, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 3600)
    before = ConfigStamp.current()
    assert services.search("兜底", log=False).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        SearchPromotion.objects.create(query="兜底", page=ServiceItemPage.objects.get(code="svc-temp-relief"))
    assert codes(services.search("兜底", log=False)) == ["svc-temp-relief"]
    assert ConfigStamp.current() == before + 1


def test_suggest(pages_index):
    assert [(s.text, s.code) for s in services.suggest("dib", 3)] == [
        ("低保边缘家庭认定", "svc-dibao-edge"),
        ("低保", "svc-dibao-apply"),
        ("低保户", "svc-dibao-apply"),
    ]
    assert services.suggest("低保", 1)[0].url == "/services/svc-dibao-apply/"
    with pytest.raises(SearchError) as error:
        services.suggest("低保", 0)
    assert error.value.code == "invalid_limit"
    assert logged() == []
