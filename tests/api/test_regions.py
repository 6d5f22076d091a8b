"""Grid lookup by address or map point: the grid, its community and subdistrict, people with masked phones."""

from __future__ import annotations

import json

import pytest

from cms.models import StaffMember

pytestmark = pytest.mark.django_db

LOOKUP = """query($address: String, $point: GeoPointInput) {
  gridLookup(address: $address, point: $point) {
    matchedBy address
    grid { code name kind households population }
    community { code name kind serviceCenter serviceCenterAddress phone }
    subdistrict { code name kind officePhone }
    leader { name role maskedPhone }
    workers { name role maskedPhone }
  }
}"""

FURONGLI_01 = {
    "grid": {
        "code": "grid-furongli-01",
        "name": "芙蓉里社区第一网格",
        "kind": "URBAN",
        "households": 356,
        "population": 845,
    },
    "community": {
        "code": "com-furongli",
        "name": "芙蓉里社区",
        "kind": "COMMUNITY",
        "serviceCenter": "芙蓉里社区党群服务中心",
        "serviceCenterAddress": "历下区泉城路街道芙蓉街2号",
        "phone": "0531-88941588",
    },
    "subdistrict": {
        "code": "sd-quanchenglu",
        "name": "泉城路街道",
        "kind": "SUBDISTRICT",
        "officePhone": "0531-81404560",
    },
    "leader": {"name": "吕博文", "role": "GRID_LEADER", "maskedPhone": "137****0290"},
    "workers": [
        {"name": "谢新民", "role": "GRID_WORKER", "maskedPhone": "180****9696"},
        {"name": "陈秀英", "role": "GRID_WORKER", "maskedPhone": "150****3721"},
        {"name": "胡金凤", "role": "GRID_WORKER", "maskedPhone": "199****5694"},
    ],
}


def test_lookup_by_exact_address(gql, reference_data):
    response = gql(LOOKUP, {"address": "历下区泉城路街道芙蓉街2号"})
    assert response.errors == []
    assert response.data["gridLookup"] == {
        "matchedBy": "ADDRESS",
        "address": "历下区泉城路街道芙蓉街2号",
        **FURONGLI_01,
    }


def test_lookup_normalises_full_width_digits_and_spaces(gql, reference_data):
    response = gql(LOOKUP, {"address": " 历下区泉城路街道 芙蓉街２号 "})
    assert response.data["gridLookup"]["address"] == "历下区泉城路街道芙蓉街2号"
    assert response.data["gridLookup"]["grid"]["code"] == "grid-furongli-01"


def test_lookup_by_point(gql, reference_data):
    response = gql(LOOKUP, {"point": {"lat": 36.6574, "lng": 117.013757}})
    assert response.data["gridLookup"] == {"matchedBy": "POINT", "address": None, **FURONGLI_01}


def test_unknown_address_and_point_outside_every_grid_are_null(gql, reference_data):
    assert gql(LOOKUP, {"address": "历下区不存在的路1号"}).data == {"gridLookup": None}
    assert gql(LOOKUP, {"point": {"lat": 39.9, "lng": 116.4}}).data == {"gridLookup": None}


def test_phones_are_never_exposed_in_full(gql, reference_data):
    body = json.dumps(gql(LOOKUP, {"address": "历下区泉城路街道芙蓉街2号"}).body, ensure_ascii=False)
    for phone in StaffMember.objects.filter(grid__code="grid-furongli-01").values_list("phone", flat=True):
        assert phone and phone not in body


def test_inactive_staff_are_left_out(gql, reference_data):
    StaffMember.objects.filter(name="陈秀英").update(active=False)
    data = gql(LOOKUP, {"address": "历下区泉城路街道芙蓉街2号"}).data["gridLookup"]
    assert [w["name"] for w in data["workers"]] == ["谢新民", "胡金凤"]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({}, "address"),
        ({"address": "历下区泉城路街道芙蓉街2号", "point": {"lat": 36.6, "lng": 117.0}}, "address"),
        ({"address": "   "}, "address"),
        ({"address": "路" * 256}, "address"),
        ({"point": {"lat": 91, "lng": 117.0}}, "point"),
        ({"point": {"lat": 36.6, "lng": -181}}, "point"),
    ],
)
def test_invalid_lookups_are_graphql_errors(gql, reference_data, variables, argument):
    response = gql(LOOKUP, variables)
    assert response.status == 200
    assert response.data == {"gridLookup": None}
    assert response.error_codes == ["INVALID_ARGUMENT"]
    assert response.errors[0]["extensions"]["argument"] == argument
