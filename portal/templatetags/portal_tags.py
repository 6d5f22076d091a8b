"""Template tags of the resident pages: shared CMS blocks and safe search highlights."""

from __future__ import annotations

import html
import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from portal import content

register = template.Library()

_MARK_RE = re.compile(r"(</?mark>)")


@register.filter
def marked(snippet: str) -> SafeString:
    """A search snippet with everything escaped except ``<mark>``/``</mark>``.

    The backends already escape their snippets; unescaping first keeps this idempotent, so an
    escaped ``&lt;script&gt;`` stays text and a raw ``<script>`` from any backend is escaped too.
    """
    parts = _MARK_RE.split(str(snippet or ""))
    out, depth = [], 0
    for part in parts:
        if part == "<mark>" and depth == 0:
            out.append(part)
            depth = 1
        elif part == "</mark>" and depth == 1:
            out.append(part)
            depth = 0
        elif part not in ("<mark>", "</mark>"):
            out.append(html.escape(html.unescape(part)))
    if depth:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every part but the balanced mark tags is escaped above


@register.simple_tag
def popular_services() -> list[content.ServiceLink]:
    return content.popular_services()


@register.simple_tag
def hotline() -> str:
    return content.hotline()


@register.simple_tag
def services_by_category(index_page):
    return content.services_by_category(index_page)


@register.simple_tag
def policy_page(index_page, number):
    return content.policy_page(index_page, number)


@register.simple_tag
def related_policies(service):
    return content.related_policies(service)


@register.filter
def described(bound_field) -> SafeString:
    """The field's widget pointing at its help text and error message (``aria-describedby``)."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


NAV = (
    ("/", "首页"),
    ("/services/", "办事指南"),
    ("/policies/", "政策文件"),
    ("/submit/", "提交诉求"),
    ("/track/", "查询进度"),
    ("/grid/", "找网格员"),
    ("/notices/", "通知公告"),
)


@register.simple_tag(takes_context=True)
def nav_links(context) -> list[dict]:
    """The main navigation with the section of the current page marked."""
    request = context.get("request")
    path = request.path if request else ""
    current = max(
        (href for href, _ in NAV if path == href or (href != "/" and path.startswith(href))), key=len, default=""
    )
    return [{"href": href, "label": label, "current": href == current} for href, label in NAV]


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
