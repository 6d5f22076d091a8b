"""The reference lines the read benchmarks compare against, served beside the project's URLs.

* ``/__bench__/json/``: a fixed JsonResponse (what Django costs with no work at all).
* ``/__bench__/services/``: a hand-written JSON view of exactly the data the benchmark's
  ``serviceItems(first: 20)`` query returns (the same live and public rows in the same order, the
  same total, page info, department and URL), written the way one would without GraphQL: a
  COUNT, one ``values()`` query with the department joined, a dict per row. It is what "the
  speed of the database" means for a list.

Only the benchmarks import this module (``ROOT_URLCONF = "tests.bench.reference_views"``).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from graphql_relay import offset_to_cursor
from wagtail.models import Site

from cms.models import ServiceItemPage
from config.urls import urlpatterns as project_urlpatterns

BARE_PATH = "/__bench__/json/"
SERVICES_PATH = "/__bench__/services/"


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": {"ping": "pong"}})


def services_json(request: HttpRequest) -> JsonResponse:
    first = max(0, min(int(request.GET.get("first", 20)), 100))
    rows = ServiceItemPage.objects.live().public().order_by("path")
    total = rows.count()
    page = rows.values_list(
        "code",
        "title",
        "service_category",
        "summary",
        "online",
        "max_visits",
        "time_limit_working_days",
        "url_path",
        "department__code",
        "department__name",
    )[:first]
    (_site_id, root_path, _root_url, _language), *others = Site.get_site_root_paths()
    edges = []
    for index, (code, title, category, summary, online, visits, days, url_path, dept_code, dept_name) in enumerate(
        page
    ):
        url = "/" + url_path[len(root_path) :] if url_path.startswith(root_path) and not others else None
        edges.append(
            {
                "node": {
                    "code": code,
                    "title": title,
                    "category": category,
                    "summary": summary,
                    "online": online,
                    "maxVisits": visits,
                    "timeLimitWorkingDays": days,
                    "url": url,
                    "department": {"code": dept_code, "name": dept_name} if dept_code else None,
                },
                "cursor": offset_to_cursor(index),
            }
        )
    data = {
        "serviceItems": {
            "totalCount": total,
            "pageInfo": {"hasNextPage": len(edges) < total, "endCursor": edges[-1]["cursor"] if edges else None},
            "edges": [{"node": edge["node"]} for edge in edges],
        }
    }
    return JsonResponse({"data": data}, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare_json),
    path(SERVICES_PATH.strip("/") + "/", services_json),
    *project_urlpatterns,
]
