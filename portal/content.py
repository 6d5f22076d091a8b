"""What the resident pages read from the CMS page tree, shaped for templates and cached where it is shared.

The home page's popular services and the hotline appear on every page view; they are cached and
forgotten when any page is published or unpublished (see :mod:`portal.signals`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Page, Paginator

from cms.models import HomePage, PolicyPage, ServiceItemPage

DEFAULT_HOTLINE = "12345"
POPULAR_LIMIT = 8
CACHE_SECONDS = 300
_POPULAR_KEY = "portal:popular-services:v1"
_HOTLINE_KEY = "portal:hotline:v1"


@dataclass(frozen=True)
class ServiceLink:
    title: str
    url: str
    category: str
    online: bool
    max_visits: int


def _service_links(pages) -> list[ServiceLink]:
    return [
        ServiceLink(page.title, page.get_url() or "", page.service_category, page.online, page.max_visits)
        for page in pages
    ]


def popular_services(limit: int = POPULAR_LIMIT) -> list[ServiceLink]:
    """One service per category, the first of each in the editors' tree order, so the home page
    covers welfare, elderly care, health insurance, jobs, household registration… at a glance."""
    links = cache.get(_POPULAR_KEY)
    if links is None:
        pages = (
            ServiceItemPage.objects.live()
            .public()
            .order_by("path")
            .only("title", "url_path", "path", "depth", "service_category", "online", "max_visits")
        )
        firsts: dict[str, ServiceItemPage] = {}
        for page in pages:
            firsts.setdefault(page.service_category, page)
        links = _service_links(firsts.values())
        cache.set(_POPULAR_KEY, links, CACHE_SECONDS)
    return links[:limit]


def hotline() -> str:
    """The hotline number the editors set on the home page (12345 when there is none)."""
    number = cache.get(_HOTLINE_KEY)
    if number is None:
        number = HomePage.objects.live().values_list("hotline", flat=True).first() or DEFAULT_HOTLINE
        cache.set(_HOTLINE_KEY, number, CACHE_SECONDS)
    return number


def forget_cached_content() -> None:
    cache.delete_many([_POPULAR_KEY, _HOTLINE_KEY])


def services_by_category(index_page) -> list[tuple[str, list[ServiceItemPage]]]:
    """The live services under *index_page*, grouped by category in tree order (one query)."""
    groups: dict[str, list[ServiceItemPage]] = {}
    pages = ServiceItemPage.objects.child_of(index_page).live().public().order_by("path")
    for page in pages:
        groups.setdefault(page.service_category, []).append(page)
    return list(groups.items())


def policy_page(index_page, number: str | int | None, per_page: int = 10) -> Page:
    """One page of the live policies under *index_page*, newest first; a bad number gives the nearest page."""
    policies = PolicyPage.objects.child_of(index_page).live().public().order_by("-published_date", "path")
    return Paginator(policies, per_page).get_page(number)


def related_policies(service: ServiceItemPage) -> list[PolicyPage]:
    return list(service.policies.live().public().order_by("-published_date", "path"))
