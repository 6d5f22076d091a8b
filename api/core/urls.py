"""Page URLs for API output, without Wagtail's per-request Site lookup or a URL reverse per page.

``Page.get_url_parts(request)`` first finds the Site serving the request (one query per request) only
to choose between a relative and an absolute URL. The API has no "current site": URLs are
relative while the project serves one site, absolute once it serves several.

For page types that keep Wagtail's own routing, the path is Wagtail's (``reverse("wagtail_serve")``
of the page's path below its site root), remembered per path, script prefix and URLconf: a list
of 20 services then costs 20 string operations instead of 20 URL reversals.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from wagtail.models import Page, Site


def single_site(request: Any) -> bool:
    """Whether the project serves one site (page URLs are then relative); remembered per request."""
    single = getattr(request, "_api_single_site", None)
    if single is None:
        single = len(Site.get_site_root_paths()) == 1
        if request is not None:
            request._api_single_site = single
    return single


@functools.lru_cache(maxsize=4096)
def _serve_path(relative: str, script_prefix: str, urlconf: str, append_slash: bool) -> str | None:
    try:
        path = reverse("wagtail_serve", args=(relative,))
    except NoReverseMatch:
        return None
    if not append_slash and path != "/":
        path = path.rstrip("/")
    return path


def _site_root_paths(request: Any) -> Any:
    """``Site.get_site_root_paths()``, kept on the request as Wagtail's own pages keep it."""
    try:
        return request._wagtail_cached_site_root_paths
    except AttributeError:
        request._wagtail_cached_site_root_paths = Site.get_site_root_paths()
        return request._wagtail_cached_site_root_paths


def plain_routing(page_class: type[Page]) -> bool:
    """Whether pages of *page_class* get Wagtail's standard URL (what the short path computes)."""
    return page_class.get_url_parts is Page.get_url_parts and not getattr(settings, "WAGTAIL_I18N_ENABLED", False)


def _url_parts(page: Any, request: Any) -> tuple[Any, str | None, str | None] | None:
    """``page.get_url_parts(request)``, the same answer with the reverse remembered. *page* may be a
    row with the ``url_path`` of a page whose class has :func:`plain_routing`."""
    parts: tuple[Any, str | None, str | None] | None  # Wagtail's get_url_parts is untyped
    if isinstance(page, Page) and (not plain_routing(type(page)) or request is None):
        parts = page.get_url_parts(request=request)
        return parts
    roots, *routing = _routing(request)
    possible = [root for root in roots if page.url_path.startswith(root.root_path)]
    if not possible:
        return None
    if len({root.site_id for root in possible}) > 1:
        parts = page.get_url_parts(request=request)  # a page under several sites: Wagtail picks one
        return parts
    site_id, root_path, root_url, _language = possible[0]
    path = _serve_path(page.url_path[len(root_path) :], *routing)
    return (site_id, None, None) if path is None else (site_id, root_url, path)


def _routing(request: Any) -> tuple[Any, str, str, bool]:
    """Site root paths and what a reverse depends on, read once per request rather than per page."""
    routing: tuple[Any, str, str, bool]
    try:
        routing = request._api_routing
    except AttributeError:
        routing = request._api_routing = (
            _site_root_paths(request),
            get_script_prefix(),
            str(get_urlconf() or settings.ROOT_URLCONF),
            getattr(settings, "WAGTAIL_APPEND_SLASH", True),
        )
    return routing


def page_url(page: Page, request: Any) -> str | None:
    parts = _url_parts(page, request)
    if parts is None or (parts[1] is None and parts[2] is None):
        return None
    _, root_url, path = parts
    return path if single_site(request) else f"{root_url}{path}"
