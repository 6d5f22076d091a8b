"""Every admin listing and edit page of the configuration model renders for an administrator."""

import re

import pytest
from django.urls import reverse

from cms.models import (
    Address,
    Alley,
    CalendarDay,
    CalendarYear,
    Community,
    Department,
    District,
    Grid,
    GridDuty,
    PolicyPage,
    RequestCategory,
    ServiceItemPage,
    StaffMember,
    Street,
    Subdistrict,
    TimeLimitRule,
)

SNIPPETS = [
    District,
    Subdistrict,
    Community,
    Grid,
    Street,
    Alley,
    Address,
    StaffMember,
    GridDuty,
    Department,
    RequestCategory,
    TimeLimitRule,
    CalendarYear,
    CalendarDay,
]


def snippet_url(model, action, *args):
    return reverse(f"wagtailsnippets_{model._meta.app_label}_{model._meta.model_name}:{action}", args=args)


@pytest.mark.parametrize("model", SNIPPETS, ids=lambda m: m.__name__)
def test_snippet_listing_and_edit_render(admin_client_zh, model):
    response = admin_client_zh.get(snippet_url(model, "list"))
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()
    instance = model.objects.order_by("pk").first()
    response = admin_client_zh.get(snippet_url(model, "edit", instance.pk))
    assert response.status_code == 200
    assert str(instance) in response.content.decode()
    response = admin_client_zh.get(snippet_url(model, "add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [Grid, Address, Department], ids=lambda m: m.__name__)
def test_listing_exports_csv_and_xlsx(admin_client_zh, model):
    url = snippet_url(model, "list")
    csv = admin_client_zh.get(url, {"export": "csv"})
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert body.count("\n") - 1 == model.objects.count()
    xlsx = admin_client_zh.get(url, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_grid_listing_flags_exactly_the_two_violations(admin_client_zh):
    response = admin_client_zh.get(snippet_url(Grid, "list"), {"policy": "violating"})
    html = response.content.decode()
    assert html.count('data-policy="violating"') == 2
    assert "县西社区第三网格" in html or "grid-xianxi-03" in html
    full = admin_client_zh.get(snippet_url(Grid, "list")).content.decode()
    assert full.count('data-policy="violating"') == 2
    assert full.count('data-policy="ok"') == 35


def test_grid_listing_query_count_does_not_grow_with_rows(admin_client_zh, django_assert_max_num_queries):
    url = snippet_url(Grid, "list")
    admin_client_zh.get(url)  # warm caches (site, settings)
    with django_assert_max_num_queries(16):
        response = admin_client_zh.get(url)
    assert response.status_code == 200


def test_grid_edit_page_shows_policy_warning(admin_client_zh):
    grid = Grid.objects.get(code="grid-hepingxincun-01")
    html = admin_client_zh.get(snippet_url(Grid, "edit", grid.pk)).content.decode()
    assert 'data-grid-policy="violations"' in html
    assert "620户" in html
    ok = Grid.objects.get(code="grid-furongli-01")
    assert 'data-grid-policy="ok"' in admin_client_zh.get(snippet_url(Grid, "edit", ok.pk)).content.decode()


def test_listing_search_finds_chinese(admin_client_zh):
    html = admin_client_zh.get(snippet_url(Grid, "list"), {"q": "芙蓉"}).content.decode()
    assert "芙蓉里社区第一网格" in html
    assert "县西社区第一网格" not in html
    html = admin_client_zh.get(snippet_url(Department, "list"), {"q": "燃气"}).content.decode()
    assert "济南港华燃气历下客户服务中心" in html


def test_service_item_listing_search_and_export(admin_client_zh):
    url = reverse("service_items:index")
    html = admin_client_zh.get(url, {"q": "低保"}).content.decode()
    assert "最低生活保障申请" in html
    assert "失业登记" not in html
    csv = admin_client_zh.get(url, {"export": "csv"})
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert body.count("\n") - 1 == 76


@pytest.mark.parametrize("model", [ServiceItemPage, PolicyPage], ids=lambda m: m.__name__)
def test_page_edit_renders(admin_client_zh, model):
    page = model.objects.first()
    response = admin_client_zh.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    assert page.title in response.content.decode()


def test_category_edit_validates_lead(admin_client_zh):
    leaf = RequestCategory.objects.get(code="cat-gas-leak")
    data = {
        "name": leaf.name,
        "code": leaf.code,
        "parent": leaf.parent_id,
        "default_lead_kind": "department",
        "default_lead_department": "",
        "keywords": "燃气泄漏\n煤气味",
        "urgent_keywords": "",
        "sort_order": 1,
    }
    response = admin_client_zh.post(snippet_url(RequestCategory, "edit", leaf.pk), data)
    assert response.status_code == 200
    assert "请选择部门" in response.content.decode()
    leaf.refresh_from_db()
    assert leaf.default_lead_department is not None


def test_dashboard_summarises_grids_with_violations(admin_client_zh):
    html = admin_client_zh.get(reverse("wagtailadmin_home")).content.decode()
    assert "37 个网格" in html
    assert "2 个不符合规范" in html


def test_grid_policy_settings_page_renders(admin_client_zh):
    response = admin_client_zh.get(reverse("wagtailsettings:edit", args=["cms", "gridpolicy"]), follow=True)
    assert response.status_code == 200
    assert "城市网格户数上限" in response.content.decode()


def test_service_item_listing_search_matches_keywords(admin_client_zh):
    html = admin_client_zh.get(reverse("service_items:index"), {"q": "吃低保"}).content.decode()
    assert "最低生活保障申请" in html


def test_login_page_is_chinese_and_loads_no_outside_avatar(client, db):
    html = client.get("/admin/login/").content.decode()
    label = re.search(r'<label class="w-field__label" for="id_password"[^>]*>\s*([^<\s]+)', html)
    assert label is not None and label.group(1) == "密码"


def test_avatars_never_come_from_gravatar(admin_client_zh):
    assert "gravatar.com" not in admin_client_zh.get("/admin/").content.decode()
