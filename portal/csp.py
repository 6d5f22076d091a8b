"""Content-Security-Policy for the resident pages: scripts and styles only from our own static files.

The resident templates hold no inline script, style or event handler, so a policy without
``'unsafe-inline'`` costs nothing and turns any injected markup into inert text. The Wagtail admin
and GraphiQL rely on inline scripts and keep Wagtail's own protections instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
DEFAULT_EXEMPT_PREFIXES = ("/admin/", "/graphql/", "/documents/")


class ContentSecurityPolicyMiddleware:
    """Adds ``PORTAL_CONTENT_SECURITY_POLICY`` to every response outside ``PORTAL_CSP_EXEMPT_PREFIXES``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exempt = getattr(settings, "PORTAL_CSP_EXEMPT_PREFIXES", DEFAULT_EXEMPT_PREFIXES)
        if not request.path.startswith(tuple(exempt)):
            response.setdefault(
                "Content-Security-Policy", getattr(settings, "PORTAL_CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
            )
        return response
