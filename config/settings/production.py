"""Production: secrets must come from the environment, HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "生产环境必须通过环境变量 SECRET_KEY 提供密钥（例如写入 /etc/governance/env，"
        "生成：python3 -c 'import secrets; print(secrets.token_urlsafe(50))'）。"
        "本机开发请用 make run，或设置 DJANGO_SETTINGS_MODULE=config.settings.dev。"
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", False)
# Wagtail's live preview shows pages in a same-origin iframe, so SAMEORIGIN rather than DENY.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
