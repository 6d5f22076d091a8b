"""Resident pages: the notices of an address, a grid's notices, and SMS subscription."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from cms.models import Grid
from portal import throttle
from portal.forms import GridLookupForm

from .forms import SubscribeForm
from .services import NoticeError, current_notices, notices_for_address, subscribe, unsubscribe


def by_address(request: HttpRequest) -> HttpResponse:
    """GET ?address=…: an address is not personal data here, so the result can be bookmarked."""
    form = GridLookupForm(request.GET if "address" in request.GET else None)
    context: dict = {"form": form, "found": None}
    if form.is_bound and form.is_valid():
        context["found"] = notices_for_address(form.cleaned_data["address"])
        if context["found"]:
            context["subscribe_form"] = SubscribeForm(initial={"address": context["found"].address})
    else:
        context["notices"] = list(current_notices())
    return render(request, "notices/by_address.html", context)


def by_grid(request: HttpRequest, code: str) -> HttpResponse:
    grid = get_object_or_404(Grid.objects.select_related("community"), code=code)
    return render(request, "notices/by_grid.html", {"grid": grid, "notices": list(current_notices(grid=grid))})


@require_http_methods(["POST"])
def subscription(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    address = str(request.POST.get("address", ""))[:255]
    context: dict = {"subscribe_form": form, "form": GridLookupForm(initial={"address": address})}
    status = 400
    if form.is_valid():
        limited = throttle.hit(request, "submit")
        if limited:
            return throttle.too_many(request, "submit", limited)
        data = form.cleaned_data
        try:
            if data["action"] == "subscribe":
                subscribe(data["phone"], data["address"])
                context["done"] = "订阅成功：本网格发布通知时，会发短信到您的手机。"
            elif unsubscribe(data["phone"], data["address"]):
                context["done"] = "已退订，不会再收到本网格的通知短信。"
            else:
                context["done"] = "这个手机号没有订阅该地址所在网格的通知。"
            status = 200
        except NoticeError as error:
            form.add_error(error.field, error.message)
    context["found"] = notices_for_address(address)
    context["errors"] = [message for messages in form.errors.values() for message in messages]
    return render(request, "notices/by_address.html", context, status=status)
