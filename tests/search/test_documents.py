"""Search documents built from the reference format."""

from __future__ import annotations

import pytest

from search.documents import SearchDocument, from_policy_json, from_service_json

SERVICE = {
    "id": "svc-demo",
    "name": "示例事项申请",
    "category": "民政",
    "department": "dept-civil",
    "summary": "一句话说明。",
    "conditions": ["条件一"],
    "materials": ["身份证"],
    "steps": ["提交申请"],
    "online": True,
    "location": "社区党群服务中心",
    "legal_basis": ["《示例条例》"],
    "keywords": ["示例", "样板"],
    "faqs": [{"q": "要多久？", "a": "三天。"}],
}


def test_service_item_becomes_a_document():
    doc = from_service_json(SERVICE, department_names={"dept-civil": "历下区民政局"})
    assert doc.code == "svc-demo"
    assert doc.kind == "service"
    assert doc.url == "/services/svc-demo/"
    assert doc.keywords == ("示例", "样板")
    assert doc.body == (
        "办理条件：条件一",
        "所需材料：身份证",
        "办理流程：提交申请",
        "要多久？ 三天。",
        "办理地点：社区党群服务中心",
        "《示例条例》",
    )
    assert doc.department_name == "历下区民政局"
    assert doc.searchable_body()[-2:] == ["历下区民政局", "民政"]


def test_policy_becomes_a_document():
    doc = from_policy_json(
        {
            "id": "pol-demo",
            "title": "示例办法",
            "summary": "摘要",
            "body": ["第一段"],
            "tags": ["标签"],
            "issuer": "某局",
            "doc_number": "示〔2024〕1号",
        },
        url="/zhengce/pol-demo/",
    )
    assert (doc.kind, doc.url, doc.keywords, doc.category) == ("policy", "/zhengce/pol-demo/", ("标签",), None)
    assert doc.body == ("第一段", "发文机关：某局", "文号：示〔2024〕1号")


def test_round_trip_through_a_dict():
    doc = from_service_json(SERVICE)
    assert SearchDocument.from_dict(doc.to_dict()) == doc


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        SearchDocument(code="x", kind="page", title="t", url="/")


def test_reference_folder_loads_every_service_and_policy(reference_docs):
    kinds = [d.kind for d in reference_docs]
    assert kinds.count("service") == 76
    assert kinds.count("policy") == 10
    assert len({d.code for d in reference_docs}) == 86
