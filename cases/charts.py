"""Bar charts as inline SVG: no JavaScript, no CDN, readable without colour (values are printed)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 18
GAP = 8
LABEL_WIDTH = 220
BAR_WIDTH = 320
VALUE_WIDTH = 70


def rate_bars(title: str, items: Sequence[tuple[str, float | None]], *, maximum: float = 1.0) -> SafeString:
    """One horizontal bar per (label, rate between 0 and 1); a missing rate is shown as “—”.

    With another ``maximum`` (a score out of 100) the value is printed as it is, not as a percentage.
    """
    height = GAP + len(items) * (BAR_HEIGHT + GAP) + 24
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="cases-chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="currentColor">{escape(title)}</text>',
    ]
    for index, (label, rate) in enumerate(items):
        y = 24 + GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * max(0.0, min(1.0, (rate or 0.0) / maximum)))
        if rate is None:
            shown = "—"
        else:
            shown = f"{rate * 100:.1f}%" if maximum == 1.0 else f"{rate:.1f}"
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" font-size="12" text-anchor="end" fill="currentColor">'
            f"{escape(label)}</text>",
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="#e6e6e6"/>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="#007d7e" '
            f'data-rate="{"" if rate is None else rate}"/>',
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}" font-size="12" fill="currentColor">{shown}</text>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
