"""Notices and 未诉先办 in Chromium: an administrator publishes a 停水 notice for one grid in the Wagtail
admin, a resident finds it by address on a phone and subscribes by SMS; a supervisor turns a hotspot
into a proactive case. Resident pages pass ``check_page`` (axe, no sideways scroll)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case, Channel
from hotspots.models import Hotspot, HotspotStatus
from hotspots.services import scan
from notices.models import NoticePage, NoticeSubscription
from notices.services import ensure_index
from tests.e2e.checks import INSTALL_HINT, check_page
from tests.hotspots.test_services import report

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason=f"未安装 Python 包 playwright（{INSTALL_HINT}）").expect

pytestmark = pytest.mark.e2e

PASSWORD = "Quancheng-12345"
HOME = "历下区泉城路街道芙蓉街16号"  # 芙蓉里社区第二网格


def sign_in_admin(open_page) -> Page:
    user = get_user_model().objects.create_superuser("notice-admin", "a@example.org", PASSWORD)
    page = open_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_placeholder("输入密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


def test_admin_publishes_a_notice_and_a_resident_finds_and_subscribes(open_page, screenshot):
    index = ensure_index()
    admin = sign_in_admin(open_page)
    admin.goto(f"/admin/pages/add/notices/noticepage/{index.pk}/")
    admin.locator("[name=title]").fill("芙蓉街停水通知")
    admin.locator("[name=kind]").select_option(label="停水")
    starts = timezone.localtime() + timedelta(days=1)
    admin.locator("[name=starts_at]").fill(starts.strftime("%Y-%m-%d 08:00"))
    admin.locator("[name=ends_at]").fill(starts.strftime("%Y-%m-%d 18:00"))
    admin.locator("[name=summary]").fill("明日8:00至18:00管网检修停水，请提前储水。")
    admin.locator("select[name=grids]").select_option(label="芙蓉里社区第二网格")
    admin.locator("[name=title]").click()  # closes the date picker before the shot
    screenshot(admin, "admin-edit")
    admin.locator("[data-w-dropdown-target='toggle']").last.click()
    admin.get_by_role("button", name="发布", exact=True).click()
    expect(admin.locator(".messages")).to_contain_text("芙蓉街停水通知")
    notice = NoticePage.objects.live().get(title="芙蓉街停水通知")
    assert [g.code for g in notice.grids.all()] == ["grid-furongli-02"]

    phone = open_page("phone")
    phone.goto("/notices/")
    phone.get_by_label("地址").fill(HOME)
    phone.get_by_label("地址").press("Escape")
    phone.get_by_role("button", name="查看", exact=True).click()
    found = phone.get_by_test_id("address-notices")
    expect(found.get_by_role("heading", level=2)).to_have_text("芙蓉里社区 · 芙蓉里社区第二网格")
    expect(found.get_by_role("link", name="芙蓉街停水通知")).to_be_visible()
    check_page(phone)
    screenshot(phone, "address")
    phone.get_by_label("手机号").fill("13812345678")
    phone.get_by_role("button", name="订阅短信").click()
    expect(phone.get_by_test_id("subscribe-done")).to_contain_text("订阅成功")
    assert NoticeSubscription.objects.get().grid.code == "grid-furongli-02"
    check_page(phone)
    phone.get_by_role("link", name="芙蓉街停水通知").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("芙蓉街停水通知")
    expect(phone.locator("article")).to_contain_text("芙蓉里社区第二网格")
    check_page(phone)


def test_supervisor_turns_a_hotspot_into_a_proactive_case(open_page, site, screenshot):
    now = timezone.now()
    for hours in (2, 5, 7, 9):
        report(HOME, now - timedelta(hours=hours))
    [hotspot] = scan(now=now).opened
    admin = sign_in_admin(open_page)
    expect(admin.locator("[data-hotspot-panel]")).to_contain_text(HOME)
    admin.goto("/admin/hotspots/")
    row = admin.locator(f"[data-hotspot='{hotspot.pk}']")
    expect(row).to_contain_text("下水道堵塞与污水外溢")
    screenshot(admin, "hotspots")
    row.get_by_role("button", name="转为主动工单").click()
    case = Case.objects.get(channel=Channel.PROACTIVE)
    expect(admin).to_have_url(re.compile(rf"/admin/cases/{case.pk}/$"))
    expect(admin.locator(".messages")).to_contain_text(f"已生成主动工单 {case.ticket_number}")
    assert Hotspot.objects.get().status == HotspotStatus.ACTED
    assert case.category.code == "cat-drain-sewer"
