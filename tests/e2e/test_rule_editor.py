"""The rule editor in Chromium: a routing row picks categories from a search box, keywords are tags
(suggested from the categories, or new ones typed in place), and the draft keeps what was picked."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from cms.models import RuleBook
from tests.e2e.checks import INSTALL_HINT

expect = pytest.importorskip("playwright.sync_api", reason=f"未安装 Python 包 playwright（{INSTALL_HINT}）").expect

pytestmark = pytest.mark.e2e

PASSWORD = "Quancheng-12345"


@pytest.fixture
def shot(screenshot):
    def take(page, step: str) -> None:
        size = page.viewport_size
        height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
        page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], height), 6000)})
        screenshot(page, step)
        page.set_viewport_size(size)

    return take


def test_a_routing_row_is_edited_with_search_boxes_and_keyword_tags(open_page, shot):
    get_user_model().objects.create_superuser("rules", "rules@example.org", PASSWORD)
    book = RuleBook.objects.get()
    page = open_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("rules")
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(f"/admin/snippets/cms/rulebook/edit/{book.pk}/")

    row = page.locator("[id^='inline_child_routing_rules-']").first
    categories = row.get_by_label("搜索并添加诉求分类")
    expect(categories).to_be_visible()
    expect(row.locator("select[name$='when_categories']")).to_be_hidden()
    categories.fill("下水道堵塞")
    categories.press("Enter")
    expect(row.locator(".rule-picker__chips li", has_text="下水道堵塞与污水外溢")).to_be_visible()

    keywords = row.get_by_label("搜索并添加关键词")
    keywords.fill("马桶返水")
    keywords.press("Enter")
    keywords.fill("污水外溢")
    keywords.press("Enter")
    chips = row.locator(".rule-picker__chips li", has_text="马桶返水")
    expect(chips).to_be_visible()
    shot(page, "row")

    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".messages")).to_contain_text("已更新")
    draft = RuleBook.objects.get(pk=book.pk).get_latest_revision_as_object()
    first = next(iter(draft.routing_rules.all()))
    assert "cat-drain-sewer" in first.when_categories
    assert {"马桶返水", "污水外溢"} <= set(first.when_keywords)
    assert page.js_errors == []
