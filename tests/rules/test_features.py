"""Features: location from the address register or a map point, departments mentioned, repeat count."""

from __future__ import annotations

import pytest

from rules.features import extract_features, locate, read_point

RECEIVED = "2026-07-27T18:40:00+08:00"
ADDRESS = "历下区泉城路街道芙蓉街22号"


def features(reference, text="", history=(), **request):
    return extract_features({"type": "投诉", "text": text, "received_at": RECEIVED, **request}, history, reference)


@pytest.mark.parametrize(
    ("address", "grid", "source"),
    [
        ("历下区泉城路街道芙蓉街16号", "grid-furongli-02", "address"),
        ("历下区 泉城路街道 芙蓉街１６号", "grid-furongli-02", "address_variant"),
        ("泉城路街道芙蓉街16号", "grid-furongli-02", "address_variant"),
        ("济南市历下区泉城路街道芙蓉街16号", "grid-furongli-02", "address_variant"),
        ("山东省济南市历下区大明湖街道明湖小区3号楼", "grid-minghudong-01", "address_variant"),
        ("芙蓉街16号", "grid-furongli-02", "address_variant"),
        ("济南历下区泉城路街道芙蓉街16号", "grid-furongli-02", "address_variant"),
        ("山东济南历下泉城路街道芙蓉街16号", "grid-furongli-02", "address_variant"),
        ("历下区大明湖街道明湖小区3号楼2单元301室", "grid-minghudong-01", "address_variant"),
        ("历下区泉城路街道芙蓉街16号院", "grid-furongli-02", "address_variant"),
        ("历下区泉城路街道芙蓉街1号", None, None),  # not registered (odd numbers are elsewhere)
        ("历下区大明湖街道芙蓉街16号", None, None),  # wrong subdistrict: no guessing
        ("不存在的地址", None, None),
    ],
)
def test_address_resolution(reference, address, grid, source):
    found = locate({"address": address}, reference)
    assert (found.grid.code if found.grid else None, found.source) == (grid, source)


def test_hierarchy_comes_with_the_grid(reference):
    f = features(reference, address="历下区泉韵镇桃峪村西峪巷6号")
    assert (f["grid"], f["community"], f["subdistrict"]) == ("grid-taoyu-02", "vil-taoyu", "sd-quanyun")


@pytest.mark.parametrize(
    ("point", "grid"),
    [
        ({"lat": 36.65432, "lng": 117.05205}, "grid-lishandong-02"),
        ({"latitude": 36.60064, "longitude": 117.1121}, "grid-shangquan-02"),
        ([117.04705, 36.65832], "grid-lishandong-03"),  # GeoJSON order
        ({"lat": "36.67032", "lng": "117.02405"}, "grid-minghudong-03"),
        ({"lat": 36.657, "lng": 117.017}, "grid-furongli-01"),  # on the shared border: the first grid
        ({"lat": 39.9, "lng": 116.4}, None),  # Beijing
        ({"lat": None, "lng": 117.0}, None),
        ({"lat": "北纬", "lng": 117.0}, None),
    ],
)
def test_point_resolution(reference, point, grid):
    found = locate({"point": point}, reference)
    assert (found.grid.code if found.grid else None) == grid


def test_registered_address_wins_over_the_point(reference):
    found = locate({"address": ADDRESS, "point": {"lat": 36.65432, "lng": 117.05205}}, reference)
    assert (found.grid.code, found.source) == ("grid-furongli-02", "address")


def test_point_is_used_when_the_address_is_unknown(reference):
    found = locate({"address": "某某路", "point": {"lat": 36.65432, "lng": 117.05205}}, reference)
    assert (found.grid.code, found.source) == ("grid-lishandong-02", "point")


def test_read_point_rejects_garbage():
    assert read_point({}) is None
    assert read_point({"point": "36.6,117.0"}) is None
    assert read_point({"point": {"lat": 1}}) is None


def test_departments_in_order_of_first_mention_and_grid_leaves_do_not_count(reference):
    f = features(reference, "楼上邻居漏水，家里下水道堵了，自来水发黄，下水道还堵着，邻居吵架")
    assert f["category"] == "cat-dispute-neighbor"
    assert f["hit_leaves"] == ("cat-dispute-neighbor", "cat-drain-sewer", "cat-water-quality")
    assert f["departments"] == ("dept-drain", "dept-water")
    assert f["departments_involved"] == 2


def test_two_leaves_of_one_department_count_once(reference):
    f = features(reference, "停水好几天了，水压也低")
    assert f["hit_leaves"] == ("cat-water-outage", "cat-water-pressure")
    assert f["departments_involved"] == 1


def test_urgent_by_keyword(reference):
    assert features(reference, "电表箱冒烟了")["urgent_by_keyword"] is True
    assert features(reference, "电表箱坏了")["urgent_by_keyword"] is False


def earlier(received_at, category="cat-city-vendor", address=ADDRESS, **extra):
    return {"address": address, "category": category, "received_at": received_at, **extra}


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], 1),
        ([earlier("2026-07-02T19:10:00+08:00"), earlier("2026-07-18T20:05:00+08:00")], 3),
        ([earlier("2026-06-27T18:40:00+08:00")], 2),  # exactly 30×24 h before: inclusive
        ([earlier("2026-06-27T18:39:59+08:00")], 1),  # one second more: outside
        ([earlier("2026-06-27T10:40:00Z")], 2),  # same instant in UTC
        ([earlier("2026-07-27T18:40:00+08:00")], 2),  # the same moment counts
        ([earlier("2026-07-28T08:00:00+08:00")], 1),  # later than this request
        ([earlier("2026-07-20T08:00:00+08:00", category="cat-env-fume")], 1),  # other leaf
        ([earlier("2026-07-20T08:00:00+08:00", address="历下区泉城路街道芙蓉街22号 ")], 1),  # not the same string
        ([earlier("2026-07-20T08:00:00+08:00", category=None, text="门口又有人出店经营")], 2),  # classified
        ([earlier("not a date")], 1),
    ],
)
def test_repeat_count(reference, history, expected):
    f = features(reference, "门口饭店出店经营", history, address=ADDRESS)
    assert f["repeat_count"] == expected


def test_repeat_count_needs_an_address_and_a_category(reference):
    history = [earlier("2026-07-20T08:00:00+08:00")]
    assert features(reference, "门口饭店出店经营", history, point={"lat": 36.657, "lng": 117.019})["repeat_count"] == 1
    assert features(reference, "说不清什么事", history, address=ADDRESS)["repeat_count"] == 1
