"""One behaviour for every backend: the same tests run on the embedded engine and Elasticsearch.

The Elasticsearch run needs a live cluster: set ``ELASTICSEARCH_URL`` (and optionally
``ELASTICSEARCH_ANALYZER``). Each run uses its own index prefix and deletes it afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest

from search.backends.base import SearchError
from tests.search.factories import make_doc

ES_SKIP_REASON = "ELASTICSEARCH_URL 未设置：跳过需要真实 Elasticsearch 的契约测试"


@pytest.fixture(
    scope="module",
    params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)],
)
def backend(request, reference_backend, reference_docs, category_terms):
    if request.param == "embedded":
        yield reference_backend
        return
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip(ES_SKIP_REASON)
    from search.backends.elasticsearch import ElasticsearchBackend

    es = ElasticsearchBackend(
        url,
        analyzer_name=os.environ.get("ELASTICSEARCH_ANALYZER", "cjk"),
        prefix=f"test-{uuid.uuid4().hex[:8]}",
        extra_terms=category_terms,
    )
    es.reindex(reference_docs)
    try:
        yield es
    finally:
        es.drop()


def codes(result) -> list[str]:
    return [hit.code for hit in result.hits]


def test_name_query_ranks_the_item_first_with_a_marked_snippet(backend):
    result = backend.search("残疾证")
    first = result.hits[0]
    assert (first.code, first.kind, first.title) == ("svc-disability-cert", "service", "残疾人证申领")
    assert first.url == "/services/svc-disability-cert/"
    assert first.score > 0
    assert "<mark>" in first.snippet


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("电瓶车上牌", "svc-ebike-register"),
        ("个体户营业执照", "svc-individual-business"),
        ("shebaoka", "svc-social-card"),
        ("sbk", "svc-social-card"),
        ("醫療保險斷繳", "svc-medins-enroll"),
        ("失业金怎么申情", "svc-unemploy-benefit"),
        ("canjizheng", "svc-disability-cert"),
        ("vaccine", "svc-vaccine"),
    ],
)
def test_resident_spellings_find_the_item(backend, query, expected):
    assert codes(backend.search(query))[0] == expected


def test_corrected_query_reports_what_was_understood(backend):
    assert backend.search("shebaoka").corrected_query == "社保卡"
    assert backend.search("失业金怎么申情").corrected_query == "失业金怎么申请"
    assert backend.search("失业金").corrected_query is None


def test_long_question_without_official_words(backend):
    top = codes(backend.search("我妈瘫痪在床好几年了，家里请不起保姆，有没有什么补贴"))[:3]
    assert "svc-elder-care-subsidy" in top


def test_kinds_restrict_results(backend):
    result = backend.search("小巷管家", kinds=["policy"])
    assert codes(result)[0] == "pol-alley-steward"
    assert {hit.kind for hit in result.hits} == {"policy"}


def test_filters_restrict_results(backend):
    result = backend.search("补贴", filters={"category": "养老", "online": True})
    assert result.total > 0
    assert all(hit.category == "养老" and hit.online for hit in result.hits)


def test_empty_query_lists_everything_with_disjunctive_facets(backend):
    result = backend.search("", kinds=["service"])
    assert result.total == 76
    assert result.facets["kind"] == {"service": 76, "policy": 10}
    assert sum(result.facets["category"].values()) == 76
    assert result.facets["online"] == {"true": 58, "false": 18}
    assert result.facets["department"]["dept-hrss"] == 15


def test_question_words_alone_find_nothing(backend):
    result = backend.search("怎么办")
    assert (result.total, result.hits) == (0, [])


def test_paging_is_stable(backend):
    first = backend.search("补贴", page=1, page_size=5)
    second = backend.search("补贴", page=2, page_size=5)
    assert first.total == second.total > 10
    assert len(first.hits) == len(second.hits) == 5
    assert not set(codes(first)) & set(codes(second))
    assert first.has_next and first.num_pages == -(-first.total // 5)


def test_invalid_requests_say_what_is_wrong(backend):
    with pytest.raises(SearchError) as error:
        backend.search("低保", filters={"colour": "red"})
    assert error.value.code == "invalid_filter"
    with pytest.raises(SearchError) as error:
        backend.search("低保", page_size=500)
    assert error.value.code == "invalid_page_size"


def test_suggest_by_chinese_pinyin_and_initials(backend):
    assert "svc-social-card" in [s.code for s in backend.suggest("sbk")]
    assert all(s.text.startswith("社保") for s in backend.suggest("社保", limit=3))
    first = backend.suggest("canjiz")[0]
    assert (first.text, first.code) == ("残疾证", "svc-disability-cert")


def test_promoted_results_come_first(backend):
    backend.set_promotions({"办证": ["svc-dog-register"]})
    try:
        result = backend.search("办证")
        assert result.hits[0].code == "svc-dog-register"
        assert result.hits[0].promoted
        assert codes(result).count("svc-dog-register") == 1
    finally:
        backend.set_promotions({})


def test_index_replaces_by_code_and_delete_removes(backend):
    before = backend.count()
    backend.index([make_doc("svc-test-fund", "住房公积金提取", keywords=("公积金",), summary="提取公积金。")])
    try:
        assert codes(backend.search("gjj"))[0] == "svc-test-fund"
        assert "公积金" in [s.text for s in backend.suggest("gjj")]
        backend.index([make_doc("svc-test-fund", "住房公积金贷款", summary="用公积金贷款买房。")])
        assert backend.count() == before + 1
        assert backend.search("公积金").hits[0].title == "住房公积金贷款"
    finally:
        backend.delete(["svc-test-fund"])
    assert backend.count() == before
    assert "svc-test-fund" not in codes(backend.search("公积金"))
