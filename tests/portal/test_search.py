"""Search results and suggestions through ``search.services``, as residents see them."""

from __future__ import annotations

import re

import pytest

from portal.templatetags.portal_tags import marked
from search.models import SearchQueryLog

pytestmark = pytest.mark.django_db


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="result-title" href="[^"]+">([^<]+)</a>', html)


def test_results_with_highlights_and_facets(client, site, django_assert_max_num_queries):
    client.get("/search/", {"q": "医保"})  # first use applies the vocabulary and synonyms
    # Config fingerprint, the query log, two live-page checks (each with Wagtail's restriction check).
    with django_assert_max_num_queries(6):
        response = client.get("/search/", {"q": "低保"})
    html = response.content.decode()
    assert response.status_code == 200
    assert titles(html)[0] == "最低生活保障申请"
    assert "<mark>低保</mark>" in html
    facets = dict(re.findall(r"([^>\s]+) <span class=\"count\">(\d+)</span>", html))
    assert facets == {"全部": "9", "服务事项": "8", "政策文件": "1"}
    assert '<a href="?q=%E4%BD%8E%E4%BF%9D&amp;kind=policy">政策文件' in html
    assert "共找到 9 条结果" in html
    assert SearchQueryLog.objects.order_by("pk").last().query == "低保"


def test_kind_facet_filters_and_keeps_counts(client, site):
    html = client.get("/search/", {"q": "低保", "kind": "policy"}).content.decode()
    assert titles(html) == ["历下区社会救助“一门受理、协同办理”工作办法"]
    assert '<a href="?q=%E4%BD%8E%E4%BF%9D&amp;kind=policy" aria-current="true">' in html
    assert '服务事项 <span class="count">8</span>' in html


def test_pagination_ten_per_page(client, site):
    first = client.get("/search/", {"q": "申请"}).content.decode()
    total = int(re.search(r"共找到 (\d+) 条结果", first).group(1))
    assert total > 10
    assert len(titles(first)) == 10
    assert '<a href="?q=%E7%94%B3%E8%AF%B7&amp;page=2" rel="next">下一页</a>' in first
    second = client.get("/search/", {"q": "申请", "page": 2}).content.decode()
    assert '<ol class="results" start="11">' in second
    assert len(titles(second)) == min(10, total - 10)
    assert not set(titles(first)) & set(titles(second))
    assert '<span aria-current="page">2</span>' in second
    beyond = client.get("/search/", {"q": "申请", "page": 99}).content.decode()
    assert titles(beyond)  # the last page, not an empty one


def test_empty_state_helps(client, site):
    response = client.get("/search/", {"q": "火星移民签证"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有找到与“火星移民签证”相关的内容" in html
    assert "检查有没有错别字" in html
    assert '<a href="/services/svc-dibao-apply/">最低生活保障申请</a>' in html  # popular services
    assert '<a class="hotline-number" href="tel:12345">12345</a>' in html


def test_query_and_snippets_are_escaped(client, site):
    html = client.get("/search/", {"q": "<script>alert(1)</script>低保"}).content.decode()
    assert "<script>alert(1)" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;低保"' in html
    assert marked("a <mark>低保</mark> &lt;b&gt; <script>x</script>") == (
        "a <mark>低保</mark> &lt;b&gt; &lt;script&gt;x&lt;/script&gt;"
    )
    assert marked("<mark>未闭合") == "<mark>未闭合</mark>"
    assert marked('</mark><mark onclick="x">') == "&lt;mark onclick=&quot;x&quot;&gt;"


def test_blank_query_shows_the_form(client, site):
    html = client.get("/search/").content.decode()
    assert "搜索服务事项和政策文件" in html
    assert "热门服务" in html
    assert SearchQueryLog.objects.count() == 0


def test_suggest_understands_pinyin(client, site):
    response = client.get("/search/suggest/", {"q": "dibao"})
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["query"] == "dibao"
    assert body["suggestions"][0] == {
        "text": "低保",
        "kind": "service",
        "kind_label": "服务事项",
        "url": "/services/svc-dibao-apply/",
    }
    assert "低保边缘家庭认定" in [s["text"] for s in body["suggestions"]]
    assert client.get("/search/suggest/", {"q": "低保"}).json()["suggestions"][0]["text"] == "低保"
    assert client.get("/search/suggest/", {"q": " "}).json() == {"query": "", "suggestions": []}
