"""找网格员 and the address suggestions shared by the grid and submit forms."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..addresses import grid_contacts, nearby_addresses, suggest_addresses
from ..forms import GridLookupForm
from ..maps import grid_map

MAX_PREFIX_CHARS = 64


@require_GET
def grid_lookup(request: HttpRequest) -> HttpResponse:
    """GET, so a found grid can be bookmarked or shared: an address is not personal data here."""
    form = GridLookupForm(request.GET if "address" in request.GET else None)
    context: dict = {"form": form}
    if form.is_bound and form.is_valid():
        address = form.cleaned_data["address"]
        contacts = grid_contacts(address)
        context["contacts"] = contacts
        context["grid_map"] = grid_map(contacts.grid) if contacts else None
        if contacts is None:
            context["nearby"] = nearby_addresses(address)
    return render(request, "portal/grid.html", context)


@require_GET
def address_suggest(request: HttpRequest) -> JsonResponse:
    """``{"query": ..., "suggestions": [{"text": ...}]}`` from the address register."""
    prefix = request.GET.get("q", "").strip()[:MAX_PREFIX_CHARS]
    response = JsonResponse(
        {"query": prefix, "suggestions": [{"text": text} for text in suggest_addresses(prefix)]},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=300"
    return response
