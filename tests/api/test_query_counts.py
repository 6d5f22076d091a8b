"""List queries run a fixed number of SQL queries whatever the page size (pinned here)."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

SERVICES = """query($n: Int) { serviceItems(first: $n) { totalCount edges { node {
  code title category url department { code name } faqs { question answer } policies { code title url }
} } } }"""

POLICIES = """query($n: Int) { policies(first: $n) { totalCount edges { node {
  code title url relatedServices { code title department { name } faqs { question } }
} } } }"""

# Why each count is what it is (anonymous requests, empty cache):
#   services: view restrictions ×2 (services, policies), page with its total, FAQs, policies,
#             site root paths (page URLs) = 6
#   policies: view restrictions ×2, page with its total, related services, their FAQs, site roots = 6
#   categories: top level + children = 2; departments = 1; request types = 1
#   grid lookup by address: address→grid→community→subdistrict in one join, staff = 2
#   grid lookup by point: grids with boundaries, staff = 2
CASES = [
    ("services", SERVICES, 6),
    ("policies", POLICIES, 6),
]


@pytest.mark.parametrize(("name", "query", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("page_size", [1, 10, 60])
def test_list_queries_are_bounded(gql, reference_data, django_assert_num_queries, name, query, expected, page_size):
    with django_assert_num_queries(expected):
        response = gql(query, {"n": page_size})
    assert response.errors == []
    edges = next(iter(response.data.values()))["edges"]
    assert len(edges) == min(page_size, 76 if name == "services" else 10)


def test_a_full_page_of_services_costs_the_same(gql, reference_data, django_assert_num_queries):
    with django_assert_num_queries(6):
        response = gql(SERVICES, {"n": 100})
    assert len(response.data["serviceItems"]["edges"]) == 76


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ requestCategories { code leadDepartment { code } children { code leadDepartment { name } } } }", 2),
        ("{ departments { code name } }", 1),
        ("{ requestTypes { type timeLimits { urgency ackHours } } }", 1),
        (
            '{ gridLookup(address: "历下区泉城路街道芙蓉街2号") { grid { code } community { code } '
            "subdistrict { code } leader { name } workers { name } } }",
            2,
        ),
        (
            "{ gridLookup(point: {lat: 36.6574, lng: 117.013757}) { grid { code } community { code } "
            "subdistrict { code } workers { name } } }",
            2,
        ),
        ("{ serviceItems(first: 50) { totalCount edges { node { code department { name } } } } }", 2),
        # every column of the item: only() loads what is selected, and nothing is loaded lazily later
        (
            "{ serviceItems(first: 50) { edges { node { code title category summary conditions materials steps "
            "timeLimitWorkingDays fee maxVisits online onlineUrl location legalBasis keywords url } } } }",
            3,  # restrictions, page (one row of look-ahead, no COUNT), site root paths
        ),
        ("{ serviceCategories { name count } }", 2),
        ('{ serviceItem(code: "svc-dibao-apply") { code faqs { question } policies { code } } }', 5),
    ],
)
def test_other_queries_are_bounded(gql, reference_data, django_assert_num_queries, query, expected):
    with django_assert_num_queries(expected):
        response = gql(query)
    assert response.errors == []


def test_a_partner_key_costs_one_lookup_and_one_last_used_write(
    gql, reference_data, make_key, django_assert_num_queries
):
    _, raw = make_key(read=True)
    with django_assert_num_queries(2 + 1):  # key lookup + last-used update + departments list
        gql("{ departments { code } }", key=raw)
    with django_assert_num_queries(1 + 1):  # within the last-used resolution: no write
        gql("{ departments { code } }", key=raw)


NESTED = """query($n: Int) { policies(first: $n) { edges { node { code
  relatedServices { code faqs { question } policies { code relatedServices { code department { name } } } }
} } } }"""


@override_settings(GRAPHQL_MAX_COST=10**9)  # far beyond the limit on purpose: this is about SQL, not cost
@pytest.mark.parametrize("page_size", [1, 10])
def test_nested_lists_are_prefetched_level_by_level(gql, reference_data, django_assert_num_queries, page_size):
    # restrictions ×4 (policies, services, policies, services), page with its total, then one query per
    # nested list: related services, their FAQs, their policies, those policies' related services = 9
    with django_assert_num_queries(9):
        response = gql(NESTED, {"n": page_size})
    assert response.errors == []
    assert len(response.data["policies"]["edges"]) == page_size


@override_settings(GRAPHQL_MAX_COST=10**9)
def test_category_tree_nesting_is_prefetched(gql, reference_data, django_assert_num_queries):
    # top level, children, children's children; the level below has no rows to prefetch for
    with django_assert_num_queries(3):
        response = gql("{ requestCategories { code children { code children { code children { code } } } } }")
    assert response.errors == []
    assert all(child["children"] == [] for top in response.data["requestCategories"] for child in top["children"])
