"""找网格员 and the address suggestions: the register's grid, its people with masked phones."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from cms.models import Grid, StaffMember

from .conftest import ADDRESS

pytestmark = pytest.mark.django_db


def test_found_grid_lists_leader_and_workers_with_masked_phones(client, site, django_assert_max_num_queries):
    client.get("/grid/", {"address": ADDRESS})
    with django_assert_max_num_queries(5):  # address, staff, site, the grid's notices, the map's grids
        response = client.get("/grid/", {"address": " 历下区泉城路街道芙蓉街１６号 "})
    html = response.content.decode()
    result = html.split('data-testid="grid-result"')[1].split("</section>")[0]
    assert '<h2 id="grid-title">芙蓉里社区第二网格</h2>' in result
    assert "<dd>芙蓉里社区</dd>" in result
    assert "<dd>泉城路街道</dd>" in result
    staff = StaffMember.objects.filter(grid__code="grid-furongli-02", active=True).order_by("role", "sort_order", "id")
    people = re.findall(r'<span class="role">(网格长|网格员)</span> (\S+) <span class="phone">([^<]+)</span>', result)
    assert people == [(s.get_role_display(), s.name, s.masked_phone) for s in staff]
    assert people[0][0] == "网格长" and len(people) == 3
    for person in staff:
        assert person.phone not in html
        assert re.fullmatch(r"1\d\d\*{4}\d{4}", person.masked_phone)


def test_form_label_and_button(client, site):
    html = client.get("/grid/").content.decode()
    assert '<label for="id_address">地址</label>' in html
    assert '<button type="submit" class="primary">查找</button>' in html
    assert 'data-address-suggest="/address/suggest/"' in html
    assert "grid-result" not in html


def test_unknown_address_gets_help(client, site):
    html = client.get("/grid/", {"address": "历下区泉城路街道芙蓉街999号"}).content.decode()
    assert "grid-result" not in html
    assert "地址库中没有“历下区泉城路街道芙蓉街999号”" in html
    nearby = "历下区泉城路街道芙蓉街10号"
    assert f'<a href="?{urlencode({"address": nearby})}">{nearby}</a>' in html
    nowhere = client.get("/grid/", {"address": "火星基地1号"}).content.decode()
    assert "地址库中没有“火星基地1号”" in nowhere
    assert "您是不是要找" not in nowhere
    assert 'href="tel:12345"' in nowhere


def test_blank_address_is_a_field_error(client, site):
    html = client.get("/grid/", {"address": ""}).content.decode()
    assert '<p class="error" id="id_address_error">请填写地址。</p>' in html


def test_address_suggestions(client, site):
    body = client.get("/address/suggest/", {"q": "芙蓉街1"}).json()
    assert body["query"] == "芙蓉街1"
    assert [s["text"] for s in body["suggestions"]][:2] == ["历下区泉城路街道芙蓉街10号", "历下区泉城路街道芙蓉街12号"]
    assert all("芙蓉街1" in s["text"] for s in body["suggestions"])
    starts = client.get("/address/suggest/", {"q": "历下区泉城路街道芙蓉街16"}).json()["suggestions"]
    assert starts[0] == {"text": ADDRESS}
    assert client.get("/address/suggest/", {"q": ""}).json() == {"query": "", "suggestions": []}


def test_found_grid_is_drawn_among_its_community_without_tiles(client, site):
    html = client.get("/grid/", {"address": ADDRESS}).content.decode()
    figure = html.split('data-testid="grid-map"')[1].split("</figure>")[0]
    drawn = re.findall(r'<polygon points="([^"]+)" class="(current|other)" data-grid="([\w-]+)">', figure)
    community = Grid.objects.get(code="grid-furongli-02").community.grids.exclude(boundary__isnull=True)
    assert sorted(code for _, _, code in drawn) == sorted(community.values_list("code", flat=True))
    assert [code for _, kind, code in drawn if kind == "current"] == ["grid-furongli-02"]
    assert drawn[-1][2] == "grid-furongli-02"  # on top
    for points, _, _ in drawn:
        for pair in points.split():
            x, y = map(float, pair.split(","))
            assert 0 <= x <= 320 and y >= 0
    assert "<figcaption" in figure and "<img" not in figure and "http" not in figure
