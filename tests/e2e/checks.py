"""What every resident page must pass in the browser: no script errors, no sideways scrolling and no
serious or critical axe-core violation. axe-core is npm's (``node_modules``, ``make browser-deps``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
INSTALL_HINT = "运行 make browser-deps 安装"
#: axe impacts that fail a test; "moderate" and "minor" are printed only.
BLOCKING_IMPACTS = ("serious", "critical")


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe：{url} 有 {len(violations)} 项无障碍问题"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"      {node['target']}  {node['html'][:160]}")
            for reason in (node["summary"] or "").splitlines()[1:3]:
                lines.append(f"        {reason.strip()}")
        if len(v["nodes"]) > 5:
            lines.append(f"      …另有 {len(v['nodes']) - 5} 处")
    return "\n".join(lines)


_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""


def axe(page: Page, fail_on: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """Run axe-core on the page as it is now; print every violation and fail on ``fail_on`` impacts."""
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(_AXE_RUN)
    if violations:
        print(_format_violations(page.url, violations))
    blocking = [v for v in violations if v["impact"] in fail_on]
    if blocking:
        pytest.fail(_format_violations(page.url, blocking), pytrace=False)
    return violations


def assert_fits_width(page: Page) -> None:
    """Nothing wider than the screen: ``scrollWidth <= innerWidth``, and both within the device width,
    because mobile Chromium widens the layout viewport (innerWidth) to fit content that overflows."""
    device = page.viewport_size["width"]
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner or inner > device:
        wide = page.evaluate(
            """(device) => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > device + 1)
                 .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""",
            device,
        )
        pytest.fail(f"{page.url} 横向溢出：scrollWidth {scroll}，innerWidth {inner}，屏幕宽 {device}；超宽元素 {wide}")


def check_page(page: Page) -> list[dict]:
    """What every page must pass: no script errors, no sideways scroll, no serious axe violation."""
    assert page.js_errors == [], f"{page.url} 脚本错误：{page.js_errors}"
    assert_fits_width(page)
    return axe(page)
