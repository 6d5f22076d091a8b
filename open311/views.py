"""Thin views: read the spec's parameters, call ``open311.services``, answer in JSON or XML."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from api.conf import api_setting
from api.models import PartnerKey
from traffic import ratelimit
from traffic.clients import client_ip

from . import services
from .formats import render, render_error
from .services import Caller, Open311Error

logger = logging.getLogger(__name__)


def _caller(request: HttpRequest) -> Caller:
    """``api_key`` (the spec's parameter) or ``Authorization: Bearer`` (as GraphQL takes it)."""
    raw = request.POST.get("api_key") or request.GET.get("api_key") or ""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not raw and header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Open311Error(403, "Authorization 头应为“Bearer <合作方密钥>”，或使用 api_key 参数。")
    if not raw:
        return Caller()
    key = PartnerKey.authenticate(raw)
    if key is None:
        raise Open311Error(403, "api_key 无效或已吊销。")
    key.touch(client_ip(request))
    return Caller(key)


def _throttle(request: HttpRequest, caller: Caller) -> None:
    if caller.key:
        rate, bucket = ratelimit.Rate(caller.key.rate_limit_per_minute, 60), f"open311:key:{caller.key.pk}"
    else:
        rate = ratelimit.Rate.parse(api_setting("GRAPHQL_ANONYMOUS_RATE_LIMIT"))
        bucket = f"open311:ip:{client_ip(request)}"
    outcome = ratelimit.hit(bucket, rate)
    if not outcome.allowed:
        raise Open311Error(429, f"请求过于频繁，请 {outcome.retry_after} 秒后再试。")


def endpoint(*methods: str) -> Callable:
    """Method check, caller, rate limit and the spec's error shape around one view."""

    def wrap(view: Callable[..., tuple[str, Any, int]]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str | None = None, **kwargs: Any) -> HttpResponse:
            fmt = fmt or "json"
            try:
                if request.method not in methods:
                    raise Open311Error(405, f"此地址只接受 {'、'.join(methods)} 请求。")
                caller = _caller(request)
                _throttle(request, caller)
                shape, body, status = view(request, caller, **kwargs)
            except Open311Error as error:
                return render_error(error.status, error.description, fmt)
            return render(shape, body, fmt, status)

        return run

    return wrap


@endpoint("GET")
def discovery(request: HttpRequest, caller: Caller) -> tuple[str, Any, int]:
    return "discovery", services.discovery(request.build_absolute_uri(reverse("open311:root"))), 200


@endpoint("GET")
def service_list(request: HttpRequest, caller: Caller) -> tuple[str, Any, int]:
    services.check_jurisdiction(request.GET.get("jurisdiction_id"))
    return "services", services.service_list(), 200


@endpoint("GET")
def service_definition(request: HttpRequest, caller: Caller, code: str) -> tuple[str, Any, int]:
    services.check_jurisdiction(request.GET.get("jurisdiction_id"))
    return "service_definition", services.service_definition(code), 200


@endpoint("GET", "POST")
def requests(request: HttpRequest, caller: Caller) -> tuple[str, Any, int]:
    if request.method == "POST":
        key = request.META.get("HTTP_IDEMPOTENCY_KEY", "")
        return "requests", services.submit_request(request.POST, caller, idempotency_key=key), 201
    return "requests", services.find_requests(request.GET, caller), 200


@endpoint("GET")
def request_detail(request: HttpRequest, caller: Caller, service_request_id: str) -> tuple[str, Any, int]:
    services.check_jurisdiction(request.GET.get("jurisdiction_id"))
    return "requests", services.get_request(service_request_id, caller), 200


@endpoint("GET")
def token(request: HttpRequest, caller: Caller, token: str) -> tuple[str, Any, int]:
    services.check_jurisdiction(request.GET.get("jurisdiction_id"))
    return "tokens", services.token_status(token), 200


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "xml" if path.endswith(".xml") else "json"
    return render_error(404, "没有这个 Open311 地址；从 discovery.json 开始。", fmt)
