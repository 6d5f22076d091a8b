"""The API's settings with their defaults, read at call time so that tests can override them.

Every name can be set in ``config/settings/api.py`` (or the environment-driven settings that
include it); nothing here is required.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Request and document limits.
    "GRAPHQL_MAX_BODY_BYTES": 64 * 1024,
    "GRAPHQL_MAX_QUERY_CHARS": 20_000,
    "GRAPHQL_MAX_TOKENS": 2_000,
    "GRAPHQL_MAX_BATCH": 10,
    "GRAPHQL_MAX_DEPTH": 10,
    "GRAPHQL_MAX_ALIASES": 20,
    "GRAPHQL_MAX_COST": 10_000,
    "GRAPHQL_LIST_COST_FACTOR": 10,
    "GRAPHQL_DEFAULT_PAGE_SIZE": 20,
    "GRAPHQL_MAX_PAGE_SIZE": 100,
    "GRAPHQL_MAX_SEARCH_CHARS": 100,
    "GRAPHQL_INTROSPECTION": True,
    # Who may do what without a key, and how often.
    "GRAPHQL_ANONYMOUS_SCOPES": ["read_content"],
    "GRAPHQL_ANONYMOUS_RATE_LIMIT": "120/m",
    "GRAPHQL_CASE_LOOKUP_RATE_LIMIT": "10/m",
    # GRAPHQL_CLIENT_IP_HEADER and GRAPHQL_TRUSTED_PROXIES are read by ``traffic.clients``.
    # Search: a dotted path to a zero-argument callable returning an object with ``search()``.
    "GRAPHQL_SEARCH_BACKEND": "search.services.service_backend",
    # Partner keys.
    "API_KEY_DEFAULT_RATE_LIMIT_PER_MINUTE": 600,
    "API_KEY_LAST_USED_RESOLUTION_SECONDS": 60,
    # How long a process may reuse a looked-up key (0: look it up on every request). Saving or
    # revoking a key clears it at once in the shared cache; with a per-process cache (no Redis)
    # other processes see the change within this many seconds.
    "API_KEY_CACHE_SECONDS": 5,
    # Webhooks.
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_MAX_ATTEMPTS": 6,
    "WEBHOOK_BACKOFF_BASE_SECONDS": 30,
    "WEBHOOK_BACKOFF_MAX_SECONDS": 3600,
    "WEBHOOK_USER_AGENT": "jinan-governance-webhooks/1",
    # Hosts that may receive webhooks over http or at private addresses (an intranet system).
    "WEBHOOK_INTERNAL_HOSTS": [],
    # Turn the case timeline (``cases.CaseEvent``) into webhook events.
    "WEBHOOK_EMIT_ON_CASE_EVENTS": True,
}


def api_setting(name: str) -> Any:
    """The project setting ``name`` if set, else the API default."""
    return getattr(settings, name, DEFAULTS[name])
