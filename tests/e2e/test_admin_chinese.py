"""Every page of the admin menu, opened by a superuser in Chromium, reads in Chinese.

The words a person sees (text, the window title, placeholders) may hold English only where it is a
name the staff use as is (API, GraphQL, XLSX…) or data (codes like ``dept-drain``, dotted model
labels, e-mail addresses, URLs). Wagtail's untranslated strings are in ``locale/``; the few it
prints outside gettext are replaced in ``cms/admin_locale.py`` and ``cms/templates/wagtailadmin/``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from tests.e2e.checks import INSTALL_HINT

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason=f"未安装 Python 包 playwright（{INSTALL_HINT}）").expect

pytestmark = pytest.mark.e2e

USERNAME = "管理员"
PASSWORD = "Quancheng-12345"
#: Names staff use as they are, and data the demo district holds in Latin letters.
ALLOWED = {"API", "GraphQL", "GraphiQL", "XLSX", "CSV", "Excel", "JSON", "GeoJSON", "HMAC", "URL", "SMS", "localhost"}
#: Keys as printed on the keyboard (来电登记 explains its shortcuts).
ALLOWED |= {"Tab", "Ctrl", "Enter"}
#: A Latin word standing alone: not part of a code (dept-drain, grid_01, cms.policypage), an address or a URL.
WORD = re.compile(r"(?<![\w@./:#-])[A-Za-z][A-Za-z']+(?![\w@./:-])")
#: Extra pages beyond the menu: an add form, an edit form and the rule book, where the English was found.
EXTRA_PAGES = [
    ("wagtailsnippets_cms_staffmember:add", ()),
    ("wagtailsnippets_cms_requestcategory:add", ()),
    ("wagtailsnippets_api_partnerkey:add", ()),
    ("wagtailusers_users:add", ()),
    ("wagtailusers_groups:add", ()),
    ("wagtailadmin_account", ()),
]
VISIBLE_TEXT = """() => [
    document.title,
    document.body.innerText,
    ...Array.from(document.querySelectorAll('input[placeholder], textarea[placeholder]'), el => el.placeholder),
].join('\\n')"""


def menu_urls(user) -> list[str]:
    """Every admin page the main menu (and its submenus) links to for ``user``."""
    from wagtail.admin.menu import SubmenuMenuItem, admin_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    urls: list[str] = ["/admin/"]

    def walk(items) -> None:
        for item in items:
            if isinstance(item, SubmenuMenuItem):
                walk(item.menu.menu_items_for_request(request))
            elif item.url.startswith("/admin/") and item.url not in urls:
                urls.append(item.url)

    walk(admin_menu.menu_items_for_request(request))
    return urls


def extra_urls() -> list[str]:
    from cms.models import RuleBook, StaffMember

    urls = []
    for name, args in EXTRA_PAGES:
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            pytest.fail(f"后台地址 {name} 不存在")
    urls.append(reverse("wagtailsnippets_cms_rulebook:edit", args=[RuleBook.objects.values_list("pk", flat=True)[0]]))
    urls.append(
        reverse("wagtailsnippets_cms_staffmember:edit", args=[StaffMember.objects.values_list("pk", flat=True)[0]])
    )
    return urls


def english_words(page: Page) -> set[str]:
    return {w for w in WORD.findall(page.evaluate(VISIBLE_TEXT)) if w not in ALLOWED}


def test_every_admin_menu_page_reads_in_chinese(open_page, screenshot):
    user = get_user_model().objects.create_superuser(USERNAME, "admin@example.org", PASSWORD)
    urls = menu_urls(user) + extra_urls()
    assert len(urls) > 40, urls  # the whole menu, not a login redirect

    page = open_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(USERNAME)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    found: dict[str, set[str]] = {}
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url} → {response and response.status}"
        words = english_words(page)
        if words:
            found[url] = words
            screenshot(page, re.sub(r"\W+", "_", url).strip("_"))
    assert not found, "后台页面出现英文界面文字：\n" + "\n".join(f"{u}: {sorted(w)}" for u, w in found.items())
