"""Shared fixtures: the test database starts with the reference district imported once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "jinan"


def ensure_reference() -> None:
    """The district, also after a flush (which leaves Wagtail without its root page)."""
    from wagtail.models import Locale, Page

    from cms.importing import import_reference
    from cms.models import ServiceItemPage

    if ServiceItemPage.objects.live().exists():
        return
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="根目录", slug="root"))
    import_reference(settings.REFERENCE_DATA_DIR)


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    """The test database with the reference district, from saved templates when nothing changed.

    See ``tests/template_db.py``: a session whose migrations and code are unchanged starts in about a
    second instead of migrating and importing again.
    """
    from tests import template_db

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        prepared = template_db.prepare(verbosity)
    if verbosity > 0:
        print(f"\n测试数据库：{prepared.how}")
    yield prepared
    with django_db_blocker.unblock():
        template_db.teardown(prepared, verbosity)


@pytest.fixture(scope="session")
def reference_import_summary(django_db_setup):
    """The summary of importing the reference data into the test database (done once, in the setup)."""
    return django_db_setup.summary


@pytest.fixture
def reference_data(reference_import_summary, db):
    return reference_import_summary


@pytest.fixture
def admin_client_zh(client, django_user_model, reference_data):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    return client
