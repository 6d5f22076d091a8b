"""Home, service guide and policy pages: the content they show and what they cost to render."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.staticfiles import finders

from cms.models import PolicyIndexPage, PolicyPage, ServiceItemPage
from portal.content import popular_services

pytestmark = pytest.mark.django_db


def test_home_page_has_search_hotline_services_and_entries(client, site):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert 'data-suggest="/search/suggest/"' in html
    assert html.count('href="tel:12345"') >= 2
    for mechanism in ("街巷吹哨、部门报到", "一门办理、一站服务", "多网合一、一体运行", "民有所呼、即接即办"):
        assert f"<strong>{mechanism}</strong>" in html
    for href in ('href="/submit/"', 'href="/track/"', 'href="/grid/"'):
        assert href in html
    # One service per category, first of each in tree order.
    assert [s.title for s in popular_services()[:3]] == ["最低生活保障申请", "高龄津贴申领", "残疾人证申领"]
    assert '<a href="/services/svc-dibao-apply/">最低生活保障申请</a>' in html
    assert '<a href="/services/svc-elder-allowance/">高龄津贴申领</a>' in html
    assert 'aria-current="page">首页</a>' in html


def test_home_page_is_light_and_cheap(client, site, django_assert_max_num_queries):
    client.get("/")  # warm the cached blocks
    with django_assert_max_num_queries(4):
        response = client.get("/")
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', response.content.decode())
    assert sorted(assets) == ["portal/portal.css", "portal/portal.js"]
    size = len(response.content) + sum(len(open(finders.find(a), "rb").read()) for a in assets)
    assert size < 200 * 1024
    assert "cdn" not in response.content.decode().lower()


def test_layout_landmarks(client, site):
    html = client.get("/track/").content.decode()
    assert '<a class="skip-link" href="#main">跳到正文</a>' in html
    assert '<main id="main"' in html
    assert '<nav class="wrap site-nav" aria-label="主导航">' in html
    labels = re.findall(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a></li>', html.split("</nav>")[0])
    assert labels == [
        ("/", "首页"),
        ("/services/", "办事指南"),
        ("/policies/", "政策文件"),
        ("/submit/", "提交诉求"),
        ("/track/", "查询进度"),
        ("/grid/", "找网格员"),
        ("/notices/", "通知公告"),
    ]
    assert '<a href="/track/" aria-current="page">查询进度</a>' in html
    assert "<footer" in html and "12345" in html.split("<footer")[1]


def test_service_guide_shows_every_filled_section(client, site, django_assert_max_num_queries):
    client.get("/services/svc-dibao-apply/")
    with django_assert_max_num_queries(12):
        response = client.get("/services/svc-dibao-apply/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>最低生活保障申请</h1>" in html
    assert '<input type="checkbox" id="material-1"><label for="material-1">户口簿和身份证</label>' in html
    assert html.count('type="checkbox"') == 5
    assert "<dd>30 个工作日</dd>" in html
    assert "<dd>最多跑 1 次</dd>" in html
    assert "<dd>免费</dd>" in html
    assert "社区党群服务中心一窗受理" in html
    assert "<summary>低保一般多久能批下来？</summary>" in html
    assert "<li>《社会救助暂行办法》</li>" in html
    assert "向户籍所在地社区或街道提出申请" in html
    assert "@media print" in open(finders.find("portal/portal.css"), encoding="utf-8").read()


def test_service_guide_hides_empty_sections(client, site):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    page.legal_basis = []
    page.conditions = []
    page.save_revision().publish()
    html = client.get("/services/svc-dibao-apply/").content.decode()
    assert "设定依据" not in html
    assert "办理条件" not in html
    assert "申请材料清单" in html


def test_service_guide_lists_related_policies(client, site):
    policy = PolicyPage.objects.filter(related_services__code="svc-dibao-apply").first()
    if policy is None:
        policy = PolicyPage.objects.first()
        policy.related_services.add(ServiceItemPage.objects.get(code="svc-dibao-apply"))
        policy.save_revision().publish()
    html = client.get("/services/svc-dibao-apply/").content.decode()
    assert "相关政策" in html
    assert f">{policy.title}</a>" in html


def test_service_index_groups_by_category(client, site, django_assert_max_num_queries):
    client.get("/services/")
    # Wagtail's routing and view-restriction checks, then one query for all the services.
    with django_assert_max_num_queries(8):
        response = client.get("/services/")
    html = response.content.decode()
    assert '<h2 id="cat-1">民政</h2>' in html
    assert html.count('class="meta"') == ServiceItemPage.objects.live().count()


def test_policy_index_paginates(client, site, django_assert_max_num_queries):
    index = PolicyIndexPage.objects.get()
    for n in range(3):
        index.add_child(
            instance=PolicyPage(
                title=f"旧文件{n}",
                slug=f"old-{n}",
                code=f"pol-old-{n}",
                summary="旧",
                published_date=date(2001, 1, n + 1),
            )
        )
    first = client.get("/policies/")
    html = first.content.decode()
    assert len(re.findall(r'<li><a href="/policies/[\w-]+/">', html)) == 10
    assert "第 1 / 2 页" in html
    assert '<a href="?page=2" rel="next">下一页</a>' in html
    with django_assert_max_num_queries(9):  # Wagtail's routing, then a count and one page of policies
        second = client.get("/policies/?page=2")
    html = second.content.decode()
    assert len(re.findall(r'<li><a href="/policies/[\w-]+/">', html)) == 3
    assert "旧文件0" in html  # oldest last
    assert client.get("/policies/?page=99").content.decode().count("旧文件") == 3


def test_policy_page(client, site):
    policy = PolicyPage.objects.live().exclude(doc_number="").first()
    html = client.get(policy.url).content.decode()
    assert f"<h1>{policy.title}</h1>" in html
    assert f"<dd>{policy.doc_number}</dd>" in html
    assert policy.summary in html
