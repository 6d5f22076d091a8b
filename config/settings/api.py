"""Settings of the GraphQL API (api/); every name has a default in ``api.conf``, so this file only
says them out loud and reads the environment. Include it from base.py with
``from .api import *  # noqa: F403``."""

import os


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


# Limits on one request and one document.
GRAPHQL_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_MAX_BODY_BYTES", 64 * 1024))
GRAPHQL_MAX_QUERY_CHARS = 20_000
GRAPHQL_MAX_TOKENS = 2_000
GRAPHQL_MAX_BATCH = 10
GRAPHQL_MAX_DEPTH = 10
GRAPHQL_MAX_ALIASES = 20
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", 10_000))
GRAPHQL_LIST_COST_FACTOR = 10
GRAPHQL_DEFAULT_PAGE_SIZE = 20
GRAPHQL_MAX_PAGE_SIZE = 100
GRAPHQL_MAX_SEARCH_CHARS = 100
# production.py sets this from the environment with default False.
GRAPHQL_INTROSPECTION = _bool("GRAPHQL_INTROSPECTION", True)

# Callers without a key; case lookups by ticket number and phone.
GRAPHQL_ANONYMOUS_SCOPES = ["read_content"]
GRAPHQL_ANONYMOUS_RATE_LIMIT = os.environ.get("GRAPHQL_ANONYMOUS_RATE_LIMIT", "120/m")
GRAPHQL_CASE_LOOKUP_RATE_LIMIT = "10/m"
# Behind a reverse proxy, the META key of the header it sets with the client address
# (for example "HTTP_X_REAL_IP"); empty: REMOTE_ADDR.
GRAPHQL_CLIENT_IP_HEADER = os.environ.get("GRAPHQL_CLIENT_IP_HEADER", "")
# Only requests from these addresses or networks may name the client in that header; the client is
# the rightmost address in it that is not one of these proxies.
GRAPHQL_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("GRAPHQL_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()
]

GRAPHQL_SEARCH_BACKEND = "search.services.service_backend"

# Partner keys.
API_KEY_DEFAULT_RATE_LIMIT_PER_MINUTE = 600
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60

# Webhooks.
WEBHOOK_TIMEOUT_SECONDS = 5
WEBHOOK_MAX_ATTEMPTS = 6
WEBHOOK_BACKOFF_BASE_SECONDS = 30
WEBHOOK_BACKOFF_MAX_SECONDS = 3600
WEBHOOK_USER_AGENT = "jinan-governance-webhooks/1"
# Webhooks go to https and public addresses only; hosts listed here (comma-separated) may be http
# or private, e.g. an intranet hotline system.
WEBHOOK_INTERNAL_HOSTS = [h.strip() for h in os.environ.get("WEBHOOK_INTERNAL_HOSTS", "").split(",") if h.strip()]
WEBHOOK_EMIT_ON_CASE_EVENTS = True
