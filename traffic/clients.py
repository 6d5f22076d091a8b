"""The caller's address, as every rate limit, audit line and the admin-login lockout record it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .forwarded import client_address

DEFAULT_TRUSTED_PROXIES = ("127.0.0.1", "::1")


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or what a trusted proxy (``GRAPHQL_TRUSTED_PROXIES``) forwarded in
    ``GRAPHQL_CLIENT_IP_HEADER`` (``traffic.forwarded``); a client cannot name itself."""
    return client_address(
        request.META,
        getattr(settings, "GRAPHQL_CLIENT_IP_HEADER", ""),
        getattr(settings, "GRAPHQL_TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES),
    )
