"""Test settings: fast hashing, in-memory tasks run immediately unless a test says otherwise."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SEARCH_INDEX_DIR = None  # the embedded search index lives in memory during tests
SEARCH_QUERY_LOG_FLUSH_SECONDS = 0  # log rows written at once, inside the test's transaction
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
# The in-memory test database uses SQLite's shared cache, where a table lock fails at once instead
# of waiting; the concurrency tests exercise cases/locking.py's retries on deferred transactions.
DATABASES["default"].get("OPTIONS", {}).pop("transaction_mode", None)  # noqa: F405
