"""Settings shared by every environment; everything that differs comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "classifier",
    "rules",
    "cases",
    "search",
    "traffic",
    "api",
    "open311",
    "notices",
    "hotspots",
    "portal",
    "ops",
    "intake",
    "notify",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "graphene_django",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
]

MIDDLEWARE = [
    "ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections (a new PostgreSQL connection per request costs ~¾ of the write
        # throughput), checked before reuse so a restarted database server is survived.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes.
    # The busy timeout lets the web server and the task worker wait for each other's writes;
    # cases/locking.py retries a workflow that still meets "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            # Writers take the lock when the transaction begins, so one that read first never fails
            # at once with "database is locked" when another process wrote in between.
            "transaction_mode": "IMMEDIATE",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords from one client address
# that address is refused for AXES_COOLOFF_TIME, the right password included (SECURITY.md).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "traffic.clients.client_ip"
AXES_LOCKOUT_TEMPLATE = "errors/login_locked.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Chinese for the Wagtail and Django strings their own catalogues leave out (locale/, compiled .mo committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The cache holds rate limits, so it is shared by every process: Redis when REDIS_URL is set,
# otherwise a table in the database (created by every `migrate`, see ops/apps.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "ops.cache.DatabaseCache",
            "LOCATION": "django_cache",
            # Culling drops counters; keep it rare (one rate-limit key per client and window).
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
        }
    }

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # Deadline tasks on Redis: run `python manage.py rqworker --with-scheduler default` beside the web server.
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300}}

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "embedded"
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", BASE_DIR / "var" / "search_index"))
# Residents' searches are logged in batches off the request path (search/querylog.py); 0 writes each at once.
SEARCH_QUERY_LOG_FLUSH_SECONDS = float(os.environ.get("SEARCH_QUERY_LOG_FLUSH_SECONDS", 2.0))
ELASTICSEARCH_ANALYZER = os.environ.get("ELASTICSEARCH_ANALYZER", "cjk")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "governance")

WAGTAIL_SITE_NAME = "历下区城乡社区治理平台"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# Wagtail's own admin search, made to segment Chinese (see search/admin_search.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.admin_search"}}
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
# Avatars from gravatar.com would leak a hash of each e-mail and are often unreachable in mainland China.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_USER_LOGIN_FORM = "cms.forms.AdminLoginForm"

# Four eyes on routing configuration: nobody approves their own change unless this is on (one-person office).
CMS_ALLOW_SELF_APPROVAL = env_bool("CMS_ALLOW_SELF_APPROVAL", False)

# Where the reference data of the demo district lives inside the project.
REFERENCE_DATA_DIR = BASE_DIR / "data" / "jinan"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@governance.local")

# Notices (notify/): backends per channel; SMS through Aliyun when its key is set, else the console.
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
# Notice kind → the template code registered with the provider, e.g. "case_received=SMS_1,case_resolved=SMS_2".
NOTIFY_SMS_TEMPLATES = dict(item.split("=", 1) for item in env_list("NOTIFY_SMS_TEMPLATES") if "=" in item)
NOTIFY_BACKENDS = {
    "sms": "notify.backends.sms.AliyunSmsBackend"
    if ALIYUN_SMS_ACCESS_KEY_ID
    else "notify.backends.sms.ConsoleSmsBackend"
}
# Where residents open their case (the rating link in SMS).
NOTIFY_SITE_URL = os.environ.get("NOTIFY_SITE_URL", WAGTAILADMIN_BASE_URL)

GRAPHENE = {"SCHEMA": "api.schema.schema"}

# Resident pages (portal/): attempts per client IP.
PORTAL_SUBMIT_RATE_LIMIT = os.environ.get("PORTAL_SUBMIT_RATE_LIMIT", "10/m")
PORTAL_TRACK_RATE_LIMIT = os.environ.get("PORTAL_TRACK_RATE_LIMIT", "10/m")
# Failed case lookups (portal and API together, docs/adr/0006): per client, and per ticket for
# clients that already failed there. A check code is never refused by these.
RESIDENT_LOOKUP_CLIENT_FAILURES = os.environ.get("RESIDENT_LOOKUP_CLIENT_FAILURES", "10/h")
RESIDENT_LOOKUP_TICKET_FAILURES = os.environ.get("RESIDENT_LOOKUP_TICKET_FAILURES", "5/h")

# Time, level, logger and request id on every line; LOG_FORMAT=json for one JSON object per line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logging.RequestIdFilter"}},
    "formatters": {
        "default": {"()": "ops.logging.JsonFormatter"}
        if LOG_FORMAT == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail logs every page action at INFO; the audit log in the admin already keeps them.
        "wagtail": {"level": "WARNING"},
    },
}

# Operations (ops/): /metrics for a bearer token or these networks; readiness thresholds.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
OPS_TASK_WORKER_MAX_AGE = float(os.environ.get("OPS_TASK_WORKER_MAX_AGE", "60"))
OPS_SWEEP_MAX_AGE = float(os.environ.get("OPS_SWEEP_MAX_AGE", "180"))

from .api import *  # noqa: E402, F403
