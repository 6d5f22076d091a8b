"""What a resident does on the site, in a phone-sized browser: find a service, submit and track a
complaint, find the grid worker, and get around with the keyboard. Every page passes axe and fits
the screen without sideways scrolling (``check_page``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

from tests.e2e.checks import INSTALL_HINT, check_page

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason=f"未安装 Python 包 playwright（{INSTALL_HINT}）").expect

pytestmark = pytest.mark.e2e

SEARCH_LABEL = "搜索服务事项和政策文件"
COMPLAINT = "小区门口下水道堵塞，污水外溢"
PHONE = "13800138000"
NOT_FOUND = "没有查到与该工单号和联系电话对应的诉求，请核对后再试。"
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def reference_service(code: str) -> dict:
    services = json.loads((Path(settings.REFERENCE_DATA_DIR) / "services.json").read_text("utf-8"))["services"]
    return next(s for s in services if s["id"] == code)


def search_from_home(page: Page, query: str) -> None:
    page.goto("/")
    page.get_by_label(SEARCH_LABEL).fill(query)
    page.get_by_label(SEARCH_LABEL).press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))


def test_search_dibao_and_read_the_materials_list(phone, screenshot):
    dibao = reference_service("svc-dibao-apply")
    phone.goto("/")
    check_page(phone)
    screenshot(phone, "home")

    search_from_home(phone, "低保")
    assert phone.evaluate("() => new URLSearchParams(location.search).get('q')") == "低保"
    results = phone.locator("ol.results > li")
    expect(results.first).to_be_visible()
    expect(phone.get_by_role("status").filter(has_text="共找到")).to_be_visible()
    check_page(phone)
    screenshot(phone, "results")

    phone.get_by_role("link", name=dibao["name"], exact=True).first.click()
    expect(phone).to_have_url(re.compile(r"/services/svc-dibao-apply/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(dibao["name"])
    materials = phone.get_by_role("region", name="申请材料清单").get_by_role("listitem")
    expect(materials).to_have_text(dibao["materials"])
    check_page(phone)


def test_pinyin_dibao_suggests_dibao(phone):
    phone.goto("/")
    box = phone.get_by_label(SEARCH_LABEL)
    box.press_sequentially("dibao", delay=30)
    suggestions = phone.get_by_role("listbox").get_by_role("option")
    expect(suggestions.first).to_be_visible()
    texts = [t.strip() for t in suggestions.evaluate_all("els => els.map(e => e.getAttribute('data-value'))")]
    assert "低保" in texts, texts
    expect(box).to_have_attribute("aria-expanded", "true")
    check_page(phone)  # with the suggestion list open


def test_home_and_service_guide_on_desktop(desktop, screenshot):
    desktop.goto("/")
    expect(desktop.get_by_role("navigation", name="主导航")).to_be_visible()
    check_page(desktop)
    screenshot(desktop, "home")
    desktop.goto("/services/svc-dibao-apply/")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("最低生活保障申请")
    check_page(desktop)


def fill_submit_form(page: Page, *, text: str, address: str, phone_number: str) -> None:
    page.get_by_label("诉求类型").select_option(label="投诉")
    page.get_by_label("诉求内容").fill(text)
    page.get_by_label("地址").fill(address)
    page.get_by_label("联系电话").fill(phone_number)
    page.get_by_label("联系电话").press("Escape")  # close the address suggestions if they opened


def lookup(page: Page, ticket: str, phone_number: str) -> None:
    page.get_by_label("工单号").fill(ticket)
    page.get_by_label("联系电话").fill(phone_number)
    page.get_by_role("button", name="查询", exact=True).click()


def test_complaint_gets_a_ticket_and_its_progress_can_be_tracked(phone, reference_grid, screenshot):
    from cases.models import Case

    address = reference_grid.addresses[0]
    phone.goto("/submit/")
    check_page(phone)
    fill_submit_form(phone, text=COMPLAINT, address=address, phone_number=PHONE)
    phone.get_by_role("button", name="提交", exact=True).click()

    expect(phone).to_have_url(re.compile(r"/submit/done/$"))
    ticket = phone.get_by_test_id("ticket-number").inner_text().strip()
    assert re.fullmatch(r"LX\d{8}\d{6}", ticket), ticket
    case = Case.objects.get(ticket_number=ticket)
    assert (case.text, case.address, case.reporter_phone, case.request_type) == (COMPLAINT, address, PHONE, "投诉")
    check_page(phone)
    screenshot(phone, "ticket")

    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="查询进度").click()
    expect(phone).to_have_url(re.compile(r"/track/$"))
    lookup(phone, ticket, PHONE)
    result = phone.get_by_test_id("case-result")
    expect(result.get_by_role("heading", level=2)).to_have_text(f"工单 {ticket}")
    expect(phone.get_by_test_id("case-status")).to_have_text(case.get_status_display())
    public_events = [e for e in case.events.order_by("at", "pk") if e.public]
    expect(result.locator("ol.timeline > li")).to_have_count(len(public_events))
    assert address not in result.inner_text(), "the tracked case shows the house number unmasked"
    check_page(phone)
    screenshot(phone, "progress")

    lookup(phone, ticket, "13900139000")
    expect(phone.get_by_role("alert")).to_have_text(NOT_FOUND)
    expect(phone.get_by_test_id("case-result")).to_have_count(0)
    check_page(phone)


def test_empty_request_text_is_refused_in_chinese_and_keeps_the_input(phone, reference_grid):
    from cases.models import Case

    address = reference_grid.addresses[0]
    phone.goto("/submit/")
    fill_submit_form(phone, text="", address=address, phone_number=PHONE)
    phone.get_by_role("button", name="提交", exact=True).click()

    expect(phone).to_have_url(re.compile(r"/submit/$"))
    expect(phone.get_by_role("alert")).to_contain_text("请按提示修改下面标出的内容后再提交。")
    expect(phone.get_by_text("请填写诉求内容。")).to_be_visible()
    expect(phone.get_by_label("诉求内容")).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_label("地址")).to_have_value(address)
    expect(phone.get_by_label("联系电话")).to_have_value(PHONE)
    assert Case.objects.count() == 0
    check_page(phone)


def test_grid_lookup_shows_the_grid_with_masked_phones(phone, reference_grid):
    address = reference_grid.addresses[0]
    phone.goto("/grid/")
    phone.get_by_label("地址").fill(address)
    phone.get_by_role("option", name=address, exact=True).click()  # the suggestion list covers the button
    expect(phone.get_by_role("listbox")).to_be_hidden()
    phone.get_by_role("button", name="查找", exact=True).click()

    result = phone.get_by_test_id("grid-result")
    expect(result.get_by_role("heading", level=2)).to_have_text(reference_grid.name)
    shown = result.locator(".phone").all_inner_texts()
    assert sorted(shown) == sorted(p[:3] + "****" + p[-4:] for p in reference_grid.phones)
    assert not ELEVEN_DIGITS.search(phone.locator("body").inner_text())
    html = phone.content()
    assert not [p for p in reference_grid.phones if p in html], "a grid worker's full number is in the page"
    check_page(phone)


def test_keyboard_reaches_skip_link_then_search_box_and_enter_searches(phone):
    phone.goto("/")
    phone.keyboard.press("Tab")
    focused = phone.locator(":focus")
    expect(focused).to_have_text("跳到正文")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_be_in_viewport()

    box = phone.get_by_label(SEARCH_LABEL)
    for _ in range(20):
        if box.evaluate("el => el === document.activeElement"):
            break
        phone.keyboard.press("Tab")
    else:
        pytest.fail("20 次 Tab 之内没有到达搜索框")
    phone.keyboard.type("低保")
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"/search/\?q="))
    expect(phone.get_by_role("link", name="最低生活保障申请", exact=True).first).to_be_visible()
