"""Page URLs for API output, without Wagtail's per-request Site lookup.

``Page.get_url(request)`` first finds the Site serving the request (one query per request) only
to choose between a relative and an absolute URL. The API has no "current site": URLs are
relative while the project serves one site, absolute once it serves several.
"""

from __future__ import annotations

from typing import Any

from wagtail.models import Page, Site


def page_url(page: Page, request: Any) -> str | None:
    parts = page.get_url_parts(request=request)
    if parts is None or (parts[1] is None and parts[2] is None):
        return None
    _, root_url, path = parts
    single = getattr(request, "_api_single_site", None)
    if single is None:
        single = len(Site.get_site_root_paths()) == 1
        if request is not None:
            request._api_single_site = single
    return path if single else f"{root_url}{path}"
