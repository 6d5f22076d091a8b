"""Search results and search-box suggestions, through the same ``search.services`` the API calls."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from search import services
from search.backends import SearchError
from search.documents import KIND_LABELS, KINDS
from search.published import published_codes
from search.text import MAX_QUERY_CHARS

logger = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_PAGE = 100
SUGGEST_LIMIT = 8
MAX_PREFIX_CHARS = 50


def _page_number(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def _link(query: str, kind: str, page: int = 1) -> str:
    params = {"q": query}
    if kind:
        params["kind"] = kind
    if page > 1:
        params["page"] = page
    return f"?{urlencode(params)}"


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    page = _page_number(request.GET.get("page"))
    context: dict = {"query": query, "kind": kind, "kind_labels": KIND_LABELS}
    if not query:
        return render(request, "portal/search.html", context)
    kinds = [kind] if kind else None
    try:
        result = services.search(query, kinds=kinds, page=page, page_size=PAGE_SIZE)
        if not result.hits and result.total and page > result.num_pages:
            page = result.num_pages
            result = services.search(query, kinds=kinds, page=page, page_size=PAGE_SIZE, log=False)
    except SearchError as error:
        logger.warning("搜索失败（%s）：%r", error.code, query)
        context["error"] = error.message
        return render(request, "portal/search.html", context, status=503)
    live = published_codes(result.hits)
    hits = [hit for hit in result.hits if hit.code in live]
    kind_counts = result.facets.get("kind", {})
    facets = [
        {"kind": "", "label": "全部", "count": sum(kind_counts.values()), "url": _link(query, ""), "active": not kind}
    ] + [
        {
            "kind": value,
            "label": KIND_LABELS[value],
            "count": kind_counts.get(value, 0),
            "url": _link(query, value),
            "active": kind == value,
        }
        for value in KINDS
    ]
    num_pages = result.num_pages
    context.update(
        hits=hits,
        total=max(result.total - (len(result.hits) - len(hits)), len(hits)),
        corrected_query=result.corrected_query,
        facets=facets,
        page=page,
        num_pages=num_pages,
        first_index=(page - 1) * PAGE_SIZE + 1,
        previous_url=_link(query, kind, page - 1) if page > 1 else "",
        next_url=_link(query, kind, page + 1) if page < num_pages else "",
        page_links=[
            {"number": n, "url": _link(query, kind, n), "current": n == page}
            for n in range(max(1, page - 3), min(num_pages, page + 3) + 1)
        ],
    )
    return render(request, "portal/search.html", context)


@require_GET
def search_suggest(request: HttpRequest) -> JsonResponse:
    """``{"query": ..., "suggestions": [{"text", "kind", "url"}]}`` for Chinese, pinyin or initials."""
    prefix = request.GET.get("q", "").strip()[:MAX_PREFIX_CHARS]
    suggestions = services.suggest(prefix, limit=SUGGEST_LIMIT) if prefix else []
    response = JsonResponse(
        {
            "query": prefix,
            "suggestions": [
                {"text": s.text, "kind": s.kind, "kind_label": KIND_LABELS.get(s.kind, ""), "url": s.url}
                for s in suggestions
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
