"""``portal`` and ``api`` are both edges: each depends on ``cases``, ``search`` and ``traffic``,
never on the other, so either can change without the other noticing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from traffic.clients import client_ip

ROOT = Path(settings.BASE_DIR)


def imported_apps(app: str) -> set[str]:
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
    return found


@pytest.mark.parametrize(("app", "other"), [("portal", "api"), ("api", "portal"), ("traffic", "api")])
def test_an_edge_never_imports_the_other(app, other):
    assert other not in imported_apps(app)


def test_the_client_address_comes_from_the_header_only_behind_a_trusted_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert client_ip(request) == "10.0.0.1"
    with override_settings(GRAPHQL_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR"):
        assert client_ip(request) == "10.0.0.1"  # 10.0.0.1 is not a trusted proxy
    with override_settings(GRAPHQL_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR", GRAPHQL_TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert client_ip(request) == "203.0.113.9"
