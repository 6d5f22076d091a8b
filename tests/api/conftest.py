"""Fixtures for the GraphQL API: a client that posts documents, partner keys with chosen scopes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache


@dataclass
class GraphQLResponse:
    status: int
    body: Any
    headers: Any

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict]:
        return self.body.get("errors") or []

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and Wagtail's site-root cache start empty in every test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gql(client):
    def run(
        query: str,
        variables: dict | None = None,
        key: str | None = None,
        operation_name: str | None = None,
        **extra: Any,
    ) -> GraphQLResponse:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        response = client.post(
            "/graphql/", data=json.dumps(payload), content_type="application/json", **headers, **extra
        )
        return GraphQLResponse(response.status_code, json.loads(response.content), response)

    return run


@pytest.fixture
def post_raw(client):
    """Post any bytes with any content type; returns (status, parsed JSON body)."""

    def run(body: bytes | str, content_type: str = "application/json", **extra: Any) -> GraphQLResponse:
        response = client.generic("POST", "/graphql/", body, content_type=content_type, **extra)
        return GraphQLResponse(response.status_code, json.loads(response.content), response)

    return run


@pytest.fixture
def make_key(db):
    """Create a partner key; returns ``(PartnerKey, raw key)``."""
    from api.models import PartnerKey
    from cms.models import Department

    def create(
        *,
        read: bool = False,
        submit: bool = False,
        departments: tuple[str, ...] = (),
        rate_limit: int = 600,
        name: str = "测试密钥",
    ):
        key = PartnerKey(
            name=name,
            partner="测试合作方",
            can_read_content=read,
            can_submit_cases=submit,
            rate_limit_per_minute=rate_limit,
        )
        raw = key.issue()
        key.save()
        if departments:
            key.departments.set(Department.objects.filter(code__in=departments))
        return key, raw

    return create
