"""The ``search`` field against a fake backend: the DESIGN.md contract, limits and no leaked drafts."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cms.models import ServiceItemPage

from . import fakes
from .fakes import FakeBackend, FakeHit, SearchFailed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_search")]

QUERY = """query($q: String!, $first: Int, $kinds: [SearchKind!]) {
  search(query: $q, first: $first, kinds: $kinds) { total correctedQuery hits { kind code title snippet url score } }
}"""

HITS = [
    FakeHit(
        "svc-dibao-apply", "service", "最低生活保障申请", "申请<mark>低保</mark>", "/services/svc-dibao-apply/", 9.5
    ),
    FakeHit("pol-social-assist-one-door", "policy", "社会救助办法", "<mark>低保</mark>", "/policies/x/", 4.25),
    FakeHit("svc-dibao-edge", "service", "低保边缘家庭认定", "…", "/services/svc-dibao-edge/", 3.0),
]


@pytest.fixture
def fake_search():
    fakes.BACKEND = FakeBackend(hits=list(HITS))
    with override_settings(GRAPHQL_SEARCH_BACKEND="tests.api.fakes.get_backend"):
        yield fakes.BACKEND


def test_search_returns_the_contract_shape(gql, reference_data, fake_search):
    response = gql(QUERY, {"q": " 低保 "})
    assert response.errors == []
    assert response.data["search"] == {
        "total": 3,
        "correctedQuery": None,
        "hits": [
            {
                "kind": "SERVICE",
                "code": "svc-dibao-apply",
                "title": "最低生活保障申请",
                "snippet": "申请<mark>低保</mark>",
                "url": "/services/svc-dibao-apply/",
                "score": 9.5,
            },
            {
                "kind": "POLICY",
                "code": "pol-social-assist-one-door",
                "title": "社会救助办法",
                "snippet": "<mark>低保</mark>",
                "url": "/policies/x/",
                "score": 4.25,
            },
            {
                "kind": "SERVICE",
                "code": "svc-dibao-edge",
                "title": "低保边缘家庭认定",
                "snippet": "…",
                "url": "/services/svc-dibao-edge/",
                "score": 3.0,
            },
        ],
    }
    assert fake_search.calls == [{"query": "低保", "kinds": None, "filters": None, "page": 1, "page_size": 10}]


def test_kinds_and_first_are_passed_to_the_backend(gql, reference_data, fake_search):
    fake_search.corrected_query = "低保"
    response = gql(QUERY, {"q": "di bao", "first": 1, "kinds": ["SERVICE"]})
    assert [hit["code"] for hit in response.data["search"]["hits"]] == ["svc-dibao-apply"]
    assert response.data["search"]["total"] == 2
    assert response.data["search"]["correctedQuery"] == "低保"
    assert fake_search.calls[-1] == {
        "query": "di bao",
        "kinds": ["service"],
        "filters": None,
        "page": 1,
        "page_size": 1,
    }


def test_first_zero_returns_only_the_total(gql, reference_data):
    assert gql(QUERY, {"q": "低保", "first": 0}).data["search"] == {"total": 3, "correctedQuery": None, "hits": []}


def test_unpublished_hits_are_dropped_even_if_the_index_lags(gql, reference_data):
    ServiceItemPage.objects.get(code="svc-dibao-apply").unpublish()
    data = gql(QUERY, {"q": "低保"}).data["search"]
    assert [hit["code"] for hit in data["hits"]] == ["pol-social-assist-one-door", "svc-dibao-edge"]
    assert data["total"] == 2


@pytest.mark.parametrize(
    ("variables", "argument"),
    [({"q": "查" * 101}, "query"), ({"q": "低保", "first": 101}, "first"), ({"q": "低保", "first": -1}, "first")],
)
def test_bad_arguments(gql, reference_data, variables, argument, fake_search):
    response = gql(QUERY, variables)
    assert response.error_codes == ["INVALID_ARGUMENT"]
    assert response.errors[0]["extensions"]["argument"] == argument
    assert fake_search.calls == []


def test_backend_failure_is_a_typed_error(gql, reference_data, fake_search, caplog):
    fake_search.error = RuntimeError("index file corrupt at /var/secret")
    response = gql(QUERY, {"q": "低保"})
    assert response.errors == [
        {
            "message": "搜索服务暂时不可用，请稍后再试。",
            "locations": [{"line": 2, "column": 3}],
            "path": ["search"],
            "extensions": {"code": "SERVICE_UNAVAILABLE", "reason": "unavailable"},
        }
    ]
    assert "/var/secret" in caplog.text


def test_backend_refusal_keeps_its_code(gql, reference_data, fake_search):
    fake_search.error = SearchFailed("unknown_backend", "SEARCH_BACKEND 不可用")
    response = gql(QUERY, {"q": "低保"})
    assert response.errors[0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "reason": "unknown_backend"}
    assert response.errors[0]["message"] == "SEARCH_BACKEND 不可用"


def test_missing_backend_is_a_typed_error(gql, reference_data):
    with override_settings(GRAPHQL_SEARCH_BACKEND="nowhere.get_backend"):
        response = gql(QUERY, {"q": "低保"})
    assert response.error_codes == ["SERVICE_UNAVAILABLE"]


def test_real_backend_contract(gql, reference_data, settings):
    """The search app's embedded backend, fed the reference documents, answers through the same field."""
    from search.backends import create_backend
    from search.documents import load_reference_documents

    backend = create_backend("embedded", path=None)
    backend.index(load_reference_documents(settings.REFERENCE_DATA_DIR))
    fakes.BACKEND = backend
    response = gql(QUERY, {"q": "低保", "first": 5, "kinds": ["SERVICE"]})
    assert response.errors == []
    hits = response.data["search"]["hits"]
    assert hits[0]["code"] == "svc-dibao-apply"
    assert {hit["kind"] for hit in hits} == {"SERVICE"}
    assert response.data["search"]["total"] >= len(hits) > 0
