"""The 工作日历 admin: month grid, day edits as versions, confirmation, and the dashboard warning."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cms.calendar import seed_year
from cms.models import CalendarDay, CalendarVersion, CalendarYear
from rules import loader

NS = "wagtailsnippets_cms_calendaryear"
WARNING_2027 = "2027年的官方节假日安排尚未录入，当前按估算计算期限；国务院办公厅通知发布后请在“工作日历”中录入并确认"


@pytest.fixture(autouse=True)
def fresh_live_config():
    loader.live.invalidate()
    yield
    loader.live.invalidate()


def test_dashboard_warns_from_november_when_next_year_is_estimated(admin_client_zh, time_machine):
    time_machine.move_to("2026-11-02T09:00:00+08:00")
    html = admin_client_zh.get(reverse("wagtailadmin_home")).content.decode()
    assert WARNING_2027 in html
    assert f'<a href="{reverse(f"{NS}:list")}">打开工作日历</a>' in html


def test_dashboard_does_not_warn_before_november(admin_client_zh, time_machine):
    time_machine.move_to("2026-10-15T09:00:00+08:00")
    html = admin_client_zh.get(reverse("wagtailadmin_home")).content.decode()
    assert "data-calendar-status" in html
    assert "data-calendar-warning" not in html
    assert "尚未录入" not in html
    assert "2026年已确认官方安排；2027年按估算（待录入官方安排）" in html


def test_dashboard_warns_any_month_when_this_year_is_estimated(
    admin_client_zh, client, django_user_model, time_machine
):
    time_machine.move_to("2027-03-01T09:00:00+08:00")
    client.force_login(django_user_model.objects.get(username="root"))  # the earlier session has expired
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "2027年的官方节假日安排尚未录入" in html
    assert "2028年的官方节假日安排尚未录入" not in html


def test_year_listing_and_month_grid_highlight_holidays_and_make_up_days(admin_client_zh):
    listing = admin_client_zh.get(reverse(f"{NS}:list")).content.decode()
    assert "已确认官方安排" in listing
    assert reverse(f"{NS}:grid", args=[2026]) in listing

    response = admin_client_zh.get(reverse(f"{NS}:grid", args=[2026]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-calendar-year="2026" data-status="official"' in html
    assert 'data-date="2026-10-10" data-kind="makeup"' in html
    assert 'data-date="2026-10-05" data-kind="holiday"' in html
    assert 'data-date="2026-10-03"' not in html  # a Saturday holiday: the plain week already rests
    assert "确认为官方安排</button>" not in html
    assert f"节假日与调休（{CalendarDay.objects.filter(date__year=2026).count()}天）" in html


def test_confirming_an_estimated_year(admin_client_zh):
    seed_year(2027)
    html = admin_client_zh.get(reverse(f"{NS}:grid", args=[2027])).content.decode()
    assert 'data-status="estimated"' in html
    assert "确认为官方安排</button>" in html
    versions = CalendarVersion.objects.count()

    response = admin_client_zh.post(reverse(f"{NS}:confirm", args=[2027]))
    assert response.status_code == 302
    row = CalendarYear.objects.get(year=2027)
    assert (row.status, row.confirmed_by.username) == ("official", "root")
    latest = CalendarVersion.objects.order_by("-number").first()
    assert (CalendarVersion.objects.count(), latest.summary, latest.created_by.username) == (
        versions + 1,
        "确认2027年为官方安排",
        "root",
    )
    followed = admin_client_zh.get(response["Location"]).content.decode()
    assert f"已确认2027年为官方安排，生成日历第{latest.number}版" in followed


def test_adding_a_day_in_the_admin_records_a_version(admin_client_zh):
    versions = CalendarVersion.objects.count()
    response = admin_client_zh.post(
        reverse("wagtailsnippets_cms_calendarday:add"),
        {"date": "2026-10-08", "name": "国庆延长假期"},  # is_working_day unticked: a day off
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date="2026-10-08")
    assert (day.is_working_day, day.source) == (False, "admin")
    latest = CalendarVersion.objects.order_by("-number").first()
    assert CalendarVersion.objects.count() == versions + 1
    assert latest.summary == "新增 2026-10-08 国庆延长假期（放假）"
    assert {"date": "2026-10-08", "working": False, "name": "国庆延长假期"} in latest.days

    versions_page = admin_client_zh.get(reverse(f"{NS}:versions")).content.decode()
    assert "新增 2026-10-08 国庆延长假期（放假）" in versions_page


def test_a_day_that_equals_the_plain_week_is_refused(admin_client_zh):
    versions = CalendarVersion.objects.count()
    response = admin_client_zh.post(
        reverse("wagtailsnippets_cms_calendarday:add"), {"date": "2026-10-17", "name": "周六"}
    )
    assert response.status_code == 200
    assert "按周一至周五上班本来就是休息日，无需录入" in response.content.decode()
    assert not CalendarDay.objects.filter(date="2026-10-17").exists()
    assert CalendarVersion.objects.count() == versions


def test_editing_and_deleting_days_record_versions(admin_client_zh):
    day = CalendarDay.objects.get(date="2026-10-10")
    versions = CalendarVersion.objects.count()
    response = admin_client_zh.post(
        reverse("wagtailsnippets_cms_calendarday:edit", args=[day.pk]),
        {"date": "2026-10-10", "is_working_day": "on", "name": "国庆调休上班"},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.name, day.source) == ("国庆调休上班", "admin")
    response = admin_client_zh.post(reverse("wagtailsnippets_cms_calendarday:delete", args=[day.pk]))
    assert response.status_code == 302
    summaries = list(CalendarVersion.objects.order_by("-number").values_list("summary", flat=True)[:2])
    assert summaries == ["删除 2026-10-10 国庆调休上班（上班）", "修改 2026-10-10 国庆调休上班（上班）"]
    assert CalendarVersion.objects.count() == versions + 2


def test_users_without_calendar_permission_cannot_see_or_confirm(client, django_user_model, reference_data):
    seed_year(2027)
    user = django_user_model.objects.create_user("viewer", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse(f"{NS}:grid", args=[2027])).status_code == 302
    assert client.post(reverse(f"{NS}:confirm", args=[2027])).status_code == 302
    assert CalendarYear.objects.get(year=2027).status == "estimated"
    assert client.get(reverse(f"{NS}:versions")).status_code == 302
    assert "data-calendar-status" not in client.get(reverse("wagtailadmin_home")).content.decode()
