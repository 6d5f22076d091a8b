"""Content queries return exactly the published catalogue; drafts and private pages never appear."""

from __future__ import annotations

import pytest
from wagtail.models import PageViewRestriction

from cms.models import Department, PolicyPage, ServiceIndexPage, ServiceItemPage

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = """
  code title category summary conditions materials steps timeLimitWorkingDays fee maxVisits online
  onlineUrl location legalBasis keywords url department { code name kind dutyPhone }
  faqs { question answer } policies { code }
"""


def codes(connection):
    return [edge["node"]["code"] for edge in connection["edges"]]


def test_service_item_by_code_has_every_field(gql, reference_data):
    response = gql(f'{{ serviceItem(code: "svc-dibao-apply") {{ {SERVICE_FIELDS} }} }}')
    assert response.status == 200 and response.errors == []
    assert response.data["serviceItem"] == {
        "code": "svc-dibao-apply",
        "title": "最低生活保障申请",
        "category": "民政",
        "summary": "家庭人均收入低于当地低保标准、财产状况符合规定的家庭，可申请纳入最低生活保障，按月领取低保金。",
        "conditions": [
            "申请人具有本区户籍或符合规定的常住条件",
            "共同生活家庭成员人均月收入低于济南市城乡低保标准",
            "家庭财产符合规定的核查标准",
        ],
        "materials": [
            "户口簿和身份证",
            "家庭成员收入情况说明",
            "家庭经济状况核对授权书",
            "残疾、患病等特殊情况的相关证明（如有）",
            "本人银行账户信息",
        ],
        "steps": [
            "向户籍所在地社区或街道提出申请，也可网上申请",
            "街道组织入户调查并开展家庭经济状况核对",
            "社区公示",
            "街道审核确认并从确认次月起发放",
        ],
        "timeLimitWorkingDays": 30,
        "fee": "免费",
        "maxVisits": 1,
        "online": True,
        "onlineUrl": "",
        "location": "社区党群服务中心一窗受理，也可在“爱山东”APP在线申请",
        "legalBasis": ["《社会救助暂行办法》", "《最低生活保障审核确认办法》", "《山东省社会救助办法》"],
        "keywords": ["低保", "吃低保", "低保户", "困难户", "生活困难补助", "家里困难", "最低生活保障"],
        "url": "/services/svc-dibao-apply/",
        "department": {
            "code": "dept-civil",
            "name": "历下区民政局",
            "kind": "GOVERNMENT",
            "dutyPhone": Department.objects.get(code="dept-civil").duty_phone,
        },
        "faqs": [
            {
                "question": "低保一般多久能批下来？",
                "answer": "资料齐全的情况下，街道一般在30个工作日内完成审核确认，情况特殊的可适当延长，"
                "审核通过后从次月开始发放。",
            },
            {
                "question": "有房子还能申请低保吗？",
                "answer": "只有一套自住住房的，一般不影响申请；家庭名下还有其他房产、车辆或大额存款的，"
                "需要按核查标准综合认定。",
            },
        ],
        "policies": [
            {"code": "pol-jinan-community-governance"},
            {"code": "pol-service-station-standard"},
            {"code": "pol-social-assist-one-door"},
        ],
    }


def test_unknown_service_code_is_null(gql, reference_data):
    response = gql('{ serviceItem(code: "svc-nope") { code } }')
    assert response.status == 200 and response.data == {"serviceItem": None} and response.errors == []


def test_service_items_paginate_in_catalogue_order(gql, reference_data):
    query = """query($after: String) { serviceItems(first: 3, after: $after) {
        totalCount edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    first = gql(query).data["serviceItems"]
    assert first["totalCount"] == 76
    assert codes(first) == ["svc-dibao-apply", "svc-dibao-edge", "svc-temp-relief"]
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": "YXJyYXljb25uZWN0aW9uOjA=",
        "endCursor": "YXJyYXljb25uZWN0aW9uOjI=",
    }
    second = gql(query, {"after": first["pageInfo"]["endCursor"]}).data["serviceItems"]
    assert codes(second) == ["svc-tekun", "svc-heating-subsidy", "svc-orphan"]
    assert second["pageInfo"]["hasPreviousPage"] is True


def test_default_page_size_is_20_and_last_page_ends(gql, reference_data):
    data = gql("{ serviceItems { edges { node { code } } pageInfo { hasNextPage } } }").data["serviceItems"]
    assert len(data["edges"]) == 20 and data["pageInfo"]["hasNextPage"] is True
    tail = gql("{ serviceItems(last: 2) { edges { node { code } } pageInfo { hasNextPage } } }").data
    assert len(tail["serviceItems"]["edges"]) == 2
    assert tail["serviceItems"]["pageInfo"]["hasNextPage"] is False


def test_service_item_filters(gql, reference_data):
    query = """query($c: String, $d: String, $o: Boolean) {
        serviceItems(first: 100, category: $c, department: $d, online: $o) { totalCount edges { node { code } } } }"""
    civil = gql(query, {"c": "民政"}).data["serviceItems"]
    assert codes(civil) == [
        "svc-dibao-apply",
        "svc-dibao-edge",
        "svc-temp-relief",
        "svc-tekun",
        "svc-heating-subsidy",
        "svc-orphan",
        "svc-funeral-benefit",
    ]
    online = gql(query, {"c": "民政", "o": True}).data["serviceItems"]
    assert codes(online) == [
        "svc-dibao-apply",
        "svc-dibao-edge",
        "svc-temp-relief",
        "svc-heating-subsidy",
        "svc-funeral-benefit",
    ]
    assert gql(query, {"d": "dept-civil"}).data["serviceItems"]["totalCount"] == 19
    assert gql(query, {"o": True}).data["serviceItems"]["totalCount"] == 58
    assert gql(query, {"o": False}).data["serviceItems"]["totalCount"] == 18
    assert gql(query, {"d": "dept-none"}).data["serviceItems"] == {"totalCount": 0, "edges": []}


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [("first: 101", "first"), ("first: -1", "first"), ("last: 500", "last"), ('after: "bogus"', "after")],
)
def test_page_arguments_out_of_range_are_errors(gql, reference_data, arguments, argument):
    response = gql(f"{{ serviceItems({arguments}) {{ totalCount }} }}")
    assert response.status == 200
    assert response.data is None
    assert response.error_codes == ["INVALID_ARGUMENT"]
    assert response.errors[0]["extensions"]["argument"] == argument
    assert response.errors[0]["path"] == ["serviceItems"]


def test_service_categories_count_published_items(gql, reference_data):
    data = gql("{ serviceCategories { name count } }").data["serviceCategories"]
    assert sum(row["count"] for row in data) == 76
    assert {"name": "民政", "count": 7} in data
    assert [row["name"] for row in data] == sorted(row["name"] for row in data)


def _new_draft_service() -> ServiceItemPage:
    index = ServiceIndexPage.objects.get()
    page = ServiceItemPage(
        title="草稿事项", code="svc-draft-only", service_category="民政", summary="尚未发布", live=False
    )
    index.add_child(instance=page)
    page.save_revision()
    return page


def test_drafts_never_appear(gql, reference_data):
    _new_draft_service()
    live = ServiceItemPage.objects.get(code="svc-dibao-edge")
    live.title = "改了但未发布的标题"
    live.save_revision()
    unpublished = ServiceItemPage.objects.get(code="svc-temp-relief")
    unpublished.unpublish()
    policy = PolicyPage.objects.get(code="pol-elder-service")
    policy.unpublish()

    data = gql(
        """{ serviceItems(first: 100) { totalCount edges { node { code title } } }
             draft: serviceItem(code: "svc-draft-only") { code }
             unpublished: serviceItem(code: "svc-temp-relief") { code }
             policies(first: 100) { totalCount edges { node { code relatedServices { code } } } }
             oldPolicy: policy(code: "pol-elder-service") { code }
             socialPolicy: policy(code: "pol-social-assist-one-door") { relatedServices { code } }
             serviceCategories { name count } }"""
    ).data
    items = {edge["node"]["code"]: edge["node"]["title"] for edge in data["serviceItems"]["edges"]}
    assert data["serviceItems"]["totalCount"] == 75
    assert "svc-draft-only" not in items and "svc-temp-relief" not in items
    assert items["svc-dibao-edge"] == "低保边缘家庭认定"
    assert data["draft"] is None and data["unpublished"] is None and data["oldPolicy"] is None
    assert data["policies"]["totalCount"] == 9
    assert "pol-elder-service" not in codes(data["policies"])
    assert data["socialPolicy"]["relatedServices"] == [
        {"code": "svc-dibao-apply"},
        {"code": "svc-dibao-edge"},
        {"code": "svc-tekun"},
        {"code": "svc-medins-assist"},
    ]
    for edge in data["policies"]["edges"]:
        assert "svc-temp-relief" not in [s["code"] for s in edge["node"]["relatedServices"]]
    assert {"name": "民政", "count": 6} in data["serviceCategories"]


def test_private_pages_never_appear(gql, reference_data):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    data = gql('{ serviceItems { totalCount } serviceItem(code: "svc-dibao-apply") { code } }').data
    assert data == {"serviceItems": {"totalCount": 75}, "serviceItem": None}


def test_policies_newest_first_with_related_services(gql, reference_data):
    data = gql(
        """{ policies(first: 3) { totalCount edges { node {
            code title docNumber issuer publishedDate effectiveDate url relatedServices { code } } } } }"""
    ).data["policies"]
    assert data["totalCount"] == 10
    assert codes(data) == ["pol-elder-service", "pol-social-assist-one-door", "pol-service-station-standard"]
    first = data["edges"][0]["node"]
    assert first["publishedDate"] == "2023-03-01"
    assert first["url"] == "/policies/pol-elder-service/"
    assert first["relatedServices"] == [
        {"code": "svc-elder-allowance"},
        {"code": "svc-elder-care-subsidy"},
        {"code": "svc-home-care"},
        {"code": "svc-elder-meal"},
        {"code": "svc-elder-assessment"},
        {"code": "svc-elder-visit-register"},
    ]


def test_policy_by_code(gql, reference_data):
    data = gql('{ policy(code: "pol-jinan-community-governance") { code docNumber issuer publishedDate } }')
    assert data.data["policy"] == {
        "code": "pol-jinan-community-governance",
        "docNumber": "济办发〔2019〕21号",
        "issuer": "中共济南市委办公厅、济南市人民政府办公厅",
        "publishedDate": "2019-09-10",
    }


def test_category_tree(gql, reference_data):
    data = gql(
        """{ requestCategories { code name isLeaf leadType leadDepartment { code }
             children { code name isLeaf leadType leadDepartment { code } children { code } } } }"""
    ).data["requestCategories"]
    assert [c["code"] for c in data] == [
        "cat-city",
        "cat-water",
        "cat-drain",
        "cat-heat",
        "cat-gas",
        "cat-housing",
        "cat-road",
        "cat-env",
        "cat-social",
        "cat-cert",
        "cat-market",
        "cat-safety",
        "cat-dispute",
    ]
    city = data[0]
    assert city["name"] == "城市管理" and city["isLeaf"] is False
    assert city["leadType"] is None and city["leadDepartment"] is None
    assert city["children"][0] == {
        "code": "cat-city-garbage",
        "name": "垃圾清运与环境卫生",
        "isLeaf": True,
        "leadType": "DEPARTMENT",
        "leadDepartment": {"code": "dept-urban"},
        "children": [],
    }
    assert sum(len(c["children"]) for c in data) == 51


def test_departments(gql, reference_data):
    Department.objects.filter(code="dept-urban").update(active=False)
    data = gql("{ departments { code name kind dutyPhone duties } }").data["departments"]
    assert len(data) == 18
    assert "dept-urban" not in [d["code"] for d in data]
    assert [d["code"] for d in data] == sorted(d["code"] for d in data)
    civil = next(d for d in data if d["code"] == "dept-civil")
    assert civil["name"] == "历下区民政局" and civil["kind"] == "GOVERNMENT"


def test_request_types_with_time_limits(gql, reference_data):
    data = gql(
        """{ requestTypes { type label timeLimits {
            urgency ackHours feedbackSameDay feedbackWorkingDays completeWorkingDays } } }"""
    ).data["requestTypes"]
    assert [(t["type"], t["label"]) for t in data] == [
        ("CONSULT", "咨询"),
        ("SUGGEST", "建议"),
        ("HELP", "求助"),
        ("REPORT", "举报"),
        ("COMPLAINT", "投诉"),
    ]
    assert data[0]["timeLimits"] == [
        {
            "urgency": "NORMAL",
            "ackHours": 24,
            "feedbackSameDay": False,
            "feedbackWorkingDays": 1,
            "completeWorkingDays": 1,
        },
        {
            "urgency": "URGENT",
            "ackHours": 1,
            "feedbackSameDay": True,
            "feedbackWorkingDays": None,
            "completeWorkingDays": 1,
        },
    ]
    assert data[1]["timeLimits"][0] == {
        "urgency": "NORMAL",
        "ackHours": 24,
        "feedbackSameDay": False,
        "feedbackWorkingDays": 2,
        "completeWorkingDays": 5,
    }


def test_a_page_past_the_end_still_counts_the_total(gql, reference_data):
    cursor = "YXJyYXljb25uZWN0aW9uOjIwMA=="  # offset 200
    data = gql(
        f'{{ serviceItems(first: 5, after: "{cursor}") {{ totalCount edges {{ cursor }} '
        "pageInfo { hasNextPage hasPreviousPage } } }"
    ).data["serviceItems"]
    assert data == {"totalCount": 76, "edges": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": True}}


def test_without_total_the_next_page_is_known_from_one_row_more(gql, reference_data):
    query = "query($n: Int, $a: String) { serviceItems(first: $n, after: $a) { pageInfo { hasNextPage } } }"
    assert gql(query, {"n": 75}).data["serviceItems"]["pageInfo"]["hasNextPage"] is True
    assert gql(query, {"n": 76}).data["serviceItems"]["pageInfo"]["hasNextPage"] is False
    last_but_one = "YXJyYXljb25uZWN0aW9uOjc0"  # offset 74
    assert gql(query, {"n": 1, "a": last_but_one}).data["serviceItems"]["pageInfo"]["hasNextPage"] is False


def test_api_page_urls_are_wagtails(gql, reference_data, rf):
    from api.core.urls import page_url
    from cms.models import PolicyPage, ServiceItemPage

    request = rf.get("/graphql/")
    pages = [*ServiceItemPage.objects.live(), *PolicyPage.objects.live()]
    assert pages
    for page in pages:
        assert page_url(page, request) == page.get_url(request), page.url_path
