"""The 搜索 admin menu: synonyms, promoted results and the statistics report, with permissions."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.models import HomePage, PolicyPage, ServiceItemPage
from search.models import SearchPromotion, SearchQueryLog, SearchSynonym
from search.synonyms import DEFAULT_ONE_WAY, DEFAULT_SYNONYMS

pytestmark = pytest.mark.django_db

STATISTICS = "search_statistics"
SYNONYMS = "wagtailsnippets_search_searchsynonym:list"
PROMOTIONS = "wagtailsnippets_search_searchpromotion:list"


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


@pytest.fixture
def searches(reference_data):
    rows = [
        ("低保", 9, at(2)),
        ("低保", 9, at(3)),
        ("低保", 9, at(20)),
        ("医保", 12, at(3)),
        ("火星移民", 0, at(4)),
        ("火星移民", 0, at(21)),
        ("ｄｉｂａｏ", 0, at(5)),
    ]
    from search.text import normalize

    SearchQueryLog.objects.bulk_create(
        SearchQueryLog(query=q, normalized_query=normalize(q), results_count=n, created_at=when) for q, n, when in rows
    )


def report_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return [
        (row["normalized_query"], row["searches"], row["zero_results"], row["average_results"])
        for row in response.context["object_list"]
    ]


def menu_entries(rf, user) -> list[tuple[str, str]]:
    from wagtail.admin.menu import admin_menu

    request = rf.get("/admin/")
    request.user = user
    (search_menu,) = [item for item in admin_menu.menu_items_for_request(request) if item.label == "搜索"]
    return [(item.label, item.url) for item in search_menu.menu.menu_items_for_request(request)]


def test_the_menu_lists_the_three_search_screens(rf, admin_user, reference_data):
    assert menu_entries(rf, admin_user) == [
        ("同义词", reverse(SYNONYMS)),
        ("推荐结果", reverse(PROMOTIONS)),
        ("搜索统计", reverse(STATISTICS)),
    ]


def test_seeded_synonyms_and_chinese_listing_search(admin_client_zh):
    lines = [", ".join(group) for group in DEFAULT_SYNONYMS]
    lines += [f"{', '.join(s)} => {', '.join(t)}" for s, t in DEFAULT_ONE_WAY]
    assert list(SearchSynonym.objects.order_by("pk").values_list("terms", flat=True)) == lines
    response = admin_client_zh.get(reverse(SYNONYMS), {"q": "社保"})
    assert response.status_code == 200
    assert [s.terms for s in response.context["object_list"]] == [line for line in lines if "社保" in line]


def test_adding_a_synonym_in_the_admin_validates_and_queues_a_rebuild(
    admin_client_zh, django_capture_on_commit_callbacks
):
    url = reverse("wagtailsnippets_search_searchsynonym:add")
    response = admin_client_zh.post(url, {"terms": "兜底", "enabled": "on", "note": ""})
    assert response.status_code == 200
    assert "至少写两个词" in response.content.decode()
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_zh.post(url, {"terms": "兜底，  最低生活保障", "enabled": "on", "note": ""})
    assert response.status_code == 302
    assert SearchSynonym.objects.filter(terms="兜底， 最低生活保障").exists()
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [("search.tasks.rebuild", "READY")]


def test_promotion_accepts_only_service_items_and_policies(reference_data):
    promotion = SearchPromotion(query="低保", page=HomePage.objects.get())
    with pytest.raises(ValidationError) as error:
        promotion.full_clean()
    assert error.value.message_dict == {"page": ["只能推荐服务事项或政策文件页面。"]}
    blank = SearchPromotion(query="  ", page=PolicyPage.objects.get(code="pol-whistle-rules"))
    with pytest.raises(ValidationError) as error:
        blank.full_clean()
    assert "query" in error.value.message_dict
    SearchPromotion(query="低保", page=ServiceItemPage.objects.get(code="svc-temp-relief")).full_clean()


def test_promotion_listing_searches_page_titles(admin_client_zh):
    SearchPromotion.objects.create(query="救助", page=ServiceItemPage.objects.get(code="svc-temp-relief"))
    SearchPromotion.objects.create(query="社保", page=ServiceItemPage.objects.get(code="svc-social-card"))
    response = admin_client_zh.get(reverse(PROMOTIONS), {"q": "临时救助"})
    assert [p.query for p in response.context["object_list"]] == ["救助"]


def test_statistics_report_counts_queries_most_searched_first(admin_client_zh, searches):
    response = admin_client_zh.get(reverse(STATISTICS))
    assert report_rows(response) == [
        ("低保", 3, 0, 9.0),
        ("火星移民", 2, 2, 0.0),
        ("dibao", 1, 1, 0.0),
        ("医保", 1, 0, 12.0),
    ]
    assert response.context["object_list"][2]["example"] == "ｄｉｂａｏ"


def test_statistics_report_zero_results_over_a_date_range(admin_client_zh, searches):
    url = reverse(STATISTICS)
    assert report_rows(admin_client_zh.get(url, {"zero_results": "true"})) == [
        ("火星移民", 2, 2, 0.0),
        ("dibao", 1, 1, 0.0),
    ]
    march_first_week = {"created_at_from": "2026-03-01", "created_at_to": "2026-03-07"}
    assert report_rows(admin_client_zh.get(url, march_first_week)) == [
        ("低保", 2, 0, 9.0),
        ("dibao", 1, 1, 0.0),
        ("医保", 1, 0, 12.0),
        ("火星移民", 1, 1, 0.0),
    ]
    assert report_rows(admin_client_zh.get(url, {**march_first_week, "zero_results": "true"})) == [
        ("dibao", 1, 1, 0.0),
        ("火星移民", 1, 1, 0.0),
    ]
    # the listing's filter panel refreshes through the results-only URL
    results = admin_client_zh.get(reverse("search_statistics_results"), {"zero_results": "false"})
    assert report_rows(results) == [("低保", 3, 0, 9.0), ("医保", 1, 0, 12.0)]


def test_statistics_export_csv_and_xlsx(admin_client_zh, searches):
    url = reverse(STATISTICS)
    response = admin_client_zh.get(url, {"export": "csv", "zero_results": "true"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["搜索词", "搜索次数", "无结果次数", "平均结果数", "最近搜索时间", "原始输入示例"]
    assert [row[:4] + row[5:] for row in rows[1:]] == [
        ["火星移民", "2", "2", "0.0", "火星移民"],
        ["dibao", "1", "1", "0.0", "ｄｉｂａｏ"],
    ]
    response = admin_client_zh.get(url, {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["搜索词", "搜索次数", "无结果次数"]
    assert [row[:3] for row in values[1:]] == [["低保", 3, 0], ["火星移民", 2, 2], ["dibao", 1, 1], ["医保", 1, 0]]


@pytest.fixture
def staff_client(client, django_user_model, reference_data):
    """Someone who may enter the admin and nothing more; ``grant`` adds a permission."""
    user = django_user_model.objects.create_user("staff", "staff@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)

    def grant(codename: str) -> None:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="search", codename=codename))

    client.grant = grant
    return client


@pytest.mark.parametrize(
    ("url_name", "codename"),
    [(STATISTICS, "view_searchquerylog"), (SYNONYMS, "view_searchsynonym"), (PROMOTIONS, "view_searchpromotion")],
)
def test_each_screen_refuses_staff_without_its_permission(staff_client, url_name, codename):
    response = staff_client.get(reverse(url_name))
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    staff_client.grant(codename)
    assert staff_client.get(reverse(url_name)).status_code == 200


def test_the_menu_shows_only_permitted_screens(rf, staff_client, django_user_model):
    staff = django_user_model.objects.get(username="staff")
    from wagtail.admin.menu import admin_menu

    request = rf.get("/admin/")
    request.user = staff
    assert "搜索" not in [item.label for item in admin_menu.menu_items_for_request(request)]
    staff_client.grant("view_searchquerylog")
    staff = django_user_model.objects.get(username="staff")  # permissions are cached per user object
    assert menu_entries(rf, staff) == [("搜索统计", reverse(STATISTICS))]
