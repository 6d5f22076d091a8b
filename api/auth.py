"""Who is calling: the partner key in ``Authorization: Bearer <prefix>.<secret>``, or nobody."""

from __future__ import annotations

from django.http import HttpRequest

from api.conf import api_setting
from api.core.permissions import ApiClient
from api.forwarded import client_address
from api.models import PartnerKey


class InvalidKey(Exception):
    """The request carried a key that is malformed, unknown or revoked."""


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or what a trusted proxy (``GRAPHQL_TRUSTED_PROXIES``) forwarded in
    ``GRAPHQL_CLIENT_IP_HEADER`` (``api.forwarded``)."""
    return client_address(request.META, api_setting("GRAPHQL_CLIENT_IP_HEADER"), api_setting("GRAPHQL_TRUSTED_PROXIES"))


def authenticate(request: HttpRequest) -> ApiClient:
    ip = client_ip(request)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return ApiClient(ip=ip, scopes=frozenset(api_setting("GRAPHQL_ANONYMOUS_SCOPES")))
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise InvalidKey("Authorization 头应为“Bearer <合作方密钥>”。")
    key = PartnerKey.authenticate(raw)
    if key is None:
        raise InvalidKey("合作方密钥无效或已吊销。")
    key.touch(ip)
    return ApiClient(ip=ip, key=key, scopes=key.scopes)
