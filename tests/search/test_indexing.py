"""Documents built from CMS pages: the same records as the reference data, live and public pages only."""

from __future__ import annotations

import pytest
from wagtail.models import PageViewRestriction

from cms.models import HomePage, PolicyPage, ServiceItemPage
from search.indexing import all_documents, document_for_page, live_codes, page_codes, vocabulary_terms

pytestmark = pytest.mark.django_db


def comparable(doc):
    data = doc.to_dict()
    if "related_services" in data["extra"]:
        data["extra"]["related_services"] = sorted(data["extra"]["related_services"])
    return data


def test_documents_from_the_imported_pages_equal_the_reference_records(reference_data, reference_docs):
    assert [comparable(doc) for doc in all_documents()] == [comparable(doc) for doc in reference_docs]


def test_service_document_fields(reference_data):
    doc = document_for_page(ServiceItemPage.objects.get(code="svc-dibao-apply"))
    assert (doc.code, doc.kind, doc.title, doc.url) == (
        "svc-dibao-apply",
        "service",
        "最低生活保障申请",
        "/services/svc-dibao-apply/",
    )
    assert (doc.category, doc.department, doc.department_name) == ("民政", "dept-civil", "历下区民政局")
    assert doc.keywords[:3] == ("低保", "吃低保", "低保户")


def test_policy_document_fields(reference_data):
    doc = document_for_page(PolicyPage.objects.get(code="pol-social-assist-one-door"))
    assert (doc.kind, doc.url, doc.category, doc.department) == (
        "policy",
        "/policies/pol-social-assist-one-door/",
        None,
        None,
    )
    assert sorted(doc.extra["related_services"]) == [
        "svc-dibao-apply",
        "svc-dibao-edge",
        "svc-medins-assist",
        "svc-tekun",
        "svc-temp-relief",
    ]


def test_other_page_types_are_refused(reference_data):
    with pytest.raises(TypeError, match="不是服务事项或政策文件"):
        document_for_page(HomePage.objects.get())


def test_a_draft_change_is_not_in_the_document(reference_data):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    page.title = "草稿标题"
    page.save_revision()
    assert [d.title for d in all_documents([page.pk])] == ["最低生活保障申请"]


def test_unpublished_and_private_pages_are_left_out(reference_data):
    ServiceItemPage.objects.get(code="svc-dibao-apply").unpublish()
    PageViewRestriction.objects.create(
        page=PolicyPage.objects.get(code="pol-whistle-rules"), restriction_type="password", password="x"
    )
    codes = {doc.code for doc in all_documents()}
    assert len(codes) == 84
    assert {"svc-dibao-apply", "pol-whistle-rules"}.isdisjoint(codes)
    assert {"svc-dibao-apply", "pol-whistle-rules"}.isdisjoint(live_codes()["service"] | live_codes()["policy"])


def test_all_documents_takes_a_fixed_number_of_queries(reference_data, django_assert_num_queries):
    all_documents()  # warm Wagtail's site-root cache
    with django_assert_num_queries(6):
        assert len(all_documents()) == 86


def test_page_codes_include_pages_that_are_not_live(reference_data):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    page.unpublish()
    policy = PolicyPage.objects.get(code="pol-whistle-rules")
    assert page_codes([page.pk, policy.pk, 999_999]) == {page.pk: "svc-dibao-apply", policy.pk: "pol-whistle-rules"}


def test_vocabulary_holds_category_words_and_service_keywords(reference_data):
    terms = vocabulary_terms()
    assert {"城市管理", "垃圾清运与环境卫生", "违章建筑", "吃低保", "烤火费"} <= set(terms)
    assert len(terms) == len(set(terms))
