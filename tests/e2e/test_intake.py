"""来电登记 in Chromium, keyboard only: an operator types a call, sees the hints, submits, reads back the ticket."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from cases.models import Case, Channel
from intake.groups import OPERATOR_GROUP
from tests.cases.conftest import STORY_ADDRESS, STORY_TEXT
from tests.cases.factories import UserFactory
from tests.e2e.checks import INSTALL_HINT

expect = pytest.importorskip("playwright.sync_api", reason=f"未安装 Python 包 playwright（{INSTALL_HINT}）").expect

pytestmark = pytest.mark.e2e

PASSWORD = "Quancheng-12345"


@pytest.fixture
def shot(screenshot):
    """The whole admin page: Wagtail scrolls inside the page, so the viewport grows to the content first."""

    def take(page, step: str) -> None:
        size = page.viewport_size
        height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        screenshot(page, step)
        page.set_viewport_size(size)

    return take


def test_operator_registers_a_call_with_the_keyboard_alone(open_page, shot):
    operator = UserFactory(username="hotline", first_name="林", last_name="话务员")
    operator.set_password(PASSWORD)
    operator.save()
    operator.groups.add(Group.objects.get(name=OPERATOR_GROUP))

    page = open_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("hotline")
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="来电登记").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("来电登记")

    # The caller's name has the focus; everything else is reached with Tab.
    expect(page.get_by_label("来电人")).to_be_focused()
    page.keyboard.type("张秀兰")
    page.keyboard.press("Tab")
    page.keyboard.type("13812345678")
    page.keyboard.press("Tab")
    expect(page.get_by_label("地址")).to_be_focused()
    page.keyboard.type("芙蓉街1")
    expect(page.locator("#intake-addresses option").first).to_have_attribute("value", re.compile("芙蓉街1"))
    page.keyboard.press("Control+A")
    page.keyboard.type(STORY_ADDRESS)
    page.keyboard.press("Tab")  # 纬度
    page.keyboard.press("Tab")  # 经度
    page.keyboard.press("Tab")  # 诉求类型: the checked radio
    expect(page.get_by_label("投诉")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_label("举报")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("投诉")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("诉求内容")).to_be_focused()
    page.keyboard.type(STORY_TEXT)

    categories = page.locator("[data-categories] li")
    expect(categories.first).to_contain_text("下水道堵塞与污水外溢")
    expect(categories.first).to_contain_text("%")
    expect(page.locator("[data-urgency]")).to_have_text("未发现紧急线索。")
    expect(page.locator("[data-place]")).not_to_have_text("未定位")
    shot(page, "form")

    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已受理")
    case = Case.objects.get()
    assert case.channel == Channel.HOTLINE and case.reporter_phone == "13812345678"
    expect(page.locator("[data-ticket]")).to_have_attribute("data-ticket", case.ticket_number)
    expect(page.get_by_role("link", name="登记下一个来电")).to_be_focused()
    shot(page, "ticket")
    assert page.js_errors == []


def test_an_urgent_call_at_an_address_with_an_open_case_shows_both(open_page, shot):
    from cases.services import submit_case
    from tests.cases.conftest import story_submission

    earlier = submit_case(story_submission()).case
    operator = UserFactory(username="hotline2")
    operator.set_password(PASSWORD)
    operator.save()
    operator.groups.add(Group.objects.get(name=OPERATOR_GROUP))
    page = open_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("hotline2")
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/admin/intake/")
    page.get_by_label("地址").fill(STORY_ADDRESS)
    page.get_by_label("诉求内容").fill("院里下水道堵了，污水倒灌进了一楼，还闻到一股煤气味。")
    expect(page.locator("[data-urgency]")).to_contain_text("煤气味")
    expect(page.locator("[data-open-cases]")).to_contain_text(earlier.ticket_number)
    shot(page, "hints")
    assert page.js_errors == []
