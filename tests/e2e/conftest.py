"""Browser tests: the resident pages in headless Chromium (Playwright) against pytest-django's live server.

Chromium is Debian's (``/usr/bin/chromium``) and axe-core comes from npm; ``make browser-deps``
installs both. Without them every test here is skipped with the command to run, never errored.
The browser, the search index and the database snapshot live as long as this package's tests; each
test gets its own browser context (cookies, session). Every page a test opens is saved as a full-page
PNG in ``test-artifacts/screenshots/<test>-<width>.png`` when the test ends, passed or failed.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

from tests.conftest import ensure_reference
from tests.e2e.checks import AXE_JS, INSTALL_HINT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(settings.BASE_DIR)
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
REGIONS_FILE = Path(settings.REFERENCE_DATA_DIR) / "regions.json"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
#: What a resident's phone and an office desktop look like to the site.
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Mobile Safari/537.36"
        ),
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
DEFAULT_TIMEOUT_MS = 20_000  # a shared 2-CPU machine can take seconds for a first page


def chromium_path() -> str | None:
    """``E2E_CHROMIUM`` if set, else Debian's ``chromium`` on PATH."""
    path = os.environ.get("E2E_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


@functools.cache
def missing_browser_deps() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if chromium_path() is None:
        return f"未找到 chromium（{INSTALL_HINT}）"
    if not AXE_JS.exists():
        return f"未找到 axe-core（{AXE_JS.relative_to(ROOT)}；{INSTALL_HINT}）"
    if importlib.util.find_spec("playwright") is None:
        return f"未安装 Python 包 playwright（{INSTALL_HINT}）"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip before any fixture runs, so a machine without a browser does not build the database first."""
    reason = missing_browser_deps()
    if reason:
        pytest.skip(reason)


# --------------------------------------------------------------------------- server and data


@dataclass(frozen=True)
class ReferenceGrid:
    """A grid of the reference district as data/jinan/regions.json describes it."""

    code: str
    name: str
    addresses: list[str]
    phones: list[str]


def reference_grids() -> list[ReferenceGrid]:
    district = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["district"]
    grids = []
    for subdistrict in district["subdistricts"]:
        for community in subdistrict["communities"]:
            for grid in community["grids"]:
                people = [grid.get("leader") or {}, *grid.get("workers", [])]
                grids.append(
                    ReferenceGrid(
                        code=grid["code"],
                        name=grid["name"],
                        addresses=[a["address"] for a in grid.get("addresses", [])],
                        phones=[p["phone"] for p in people if p.get("phone")],
                    )
                )
    return grids


@pytest.fixture(scope="session")
def reference_grid() -> ReferenceGrid:
    """The first grid in the reference file with addresses and staff phones: its first address is ours."""
    return next(g for g in reference_grids() if g.addresses and g.phones)


@pytest.fixture(scope="package")
def search_backend() -> Iterator[Any]:
    """An in-memory index owned by the browser tests, installed as the process-wide backend."""
    from search import backends, runtime
    from search.backends.embedded import EmbeddedBackend

    patch = pytest.MonkeyPatch()
    backend = EmbeddedBackend(None)
    patch.setattr(backends, "_backend", backend)
    runtime.forget()
    yield backend
    patch.undo()
    runtime.forget()


class DistrictSnapshot:
    """The test database as the e2e session found it, to put back after each test's flush.

    Live-server tests are transactional and the flush after each one empties the database.
    Importing the district again takes 10-15 s here; on SQLite a copy made with its backup API
    comes back in milliseconds, with the same ids, so the search index stays valid. Other databases
    import again and rebuild the index.
    """

    def __init__(self) -> None:
        self.copy: sqlite3.Connection | None = None

    def take(self) -> None:
        from django.db import connection

        if connection.vendor == "sqlite" and self.copy is None:
            connection.ensure_connection()
            self.copy = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.copy)

    def restore(self) -> bool:
        from django.contrib.contenttypes.models import ContentType
        from django.core.cache import cache
        from django.db import connection

        if self.copy is None or connection.vendor != "sqlite":
            return False
        connection.ensure_connection()
        self.copy.backup(connection.connection)
        ContentType.objects.clear_cache()  # the flush re-created content types under other ids
        cache.clear()
        return True


@pytest.fixture(scope="package")
def district_snapshot() -> Iterator[DistrictSnapshot]:
    snapshot = DistrictSnapshot()
    yield snapshot
    if snapshot.copy is not None:
        snapshot.copy.close()


@pytest.fixture
def site(live_server, reference_import_summary, search_backend, district_snapshot) -> str:
    """The live server's URL, with the reference district and its search index in place."""
    from cms.models import ServiceItemPage
    from search.services import rebuild_index

    if not ServiceItemPage.objects.live().exists() and not district_snapshot.restore():
        ensure_reference()
        rebuild_index()
    elif search_backend.count() == 0:
        rebuild_index()
    district_snapshot.take()
    return live_server.url


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread, which Django takes for async code;
    # the ORM calls here (fixtures, checks) are ordinary synchronous ones between browser steps. Package
    # scope ends the loop, and this allowance, with the last browser test.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    patch.undo()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def screenshot_path(test_name: str, page: Page, step: str = "") -> Path:
    """``test-artifacts/screenshots/<test>[-<step>]-<width>.png``."""
    parts = [re.sub(r"[^\w.-]+", "_", test_name).strip("_"), step, str(page.viewport_size["width"])]
    return SCREENSHOTS / ("-".join(p for p in parts if p) + ".png")


def save_screenshot(path: Path, page: Page) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def screenshot(request) -> Callable[[Page, str], Path]:
    """``screenshot(page, "home")``: a full-page PNG of a step; the end of each test is saved anyway."""
    return lambda page, step: save_screenshot(screenshot_path(request.node.name, page, step), page)


@pytest.fixture
def open_page(browser, site, request) -> Iterator[Callable[[str], Page]]:
    """``open_page("phone" | "desktop")``: a new page in a fresh context, on the live server.

    When the test ends, passed or failed, each page it opened is saved as ``<test>-<width>.png``.
    """
    pages: list[Page] = []

    def make(kind: str = "phone") -> Page:
        context = browser.new_context(
            base_url=site,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            bypass_csp=True,  # axe-core goes in as an inline script
            **VIEWPORTS[kind],
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        pages.append(page)
        return page

    yield make

    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))
    used: set[Path] = set()
    for page in pages:
        path = screenshot_path(request.node.name, page)
        n = 1
        while path in used:
            n += 1
            path = screenshot_path(request.node.name, page, str(n))
        used.add(path)
        try:
            save_screenshot(path, page)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"截图失败 {path}: {error}")
        else:
            if failed:
                print(f"失败时的页面 {page.url} → {path.relative_to(ROOT)}")
        page.context.close()


@pytest.fixture
def phone(open_page) -> Page:
    return open_page("phone")


@pytest.fixture
def desktop(open_page) -> Page:
    return open_page("desktop")
