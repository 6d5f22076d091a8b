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
def reference_import_summary(django_db_setup, django_db_blocker):
    """Import the reference data into the test database once; tests roll back on top of it."""
    from cms.importing import import_reference

    with django_db_blocker.unblock():
        return import_reference(REFERENCE_DIR)


@pytest.fixture
def reference_data(reference_import_summary, db):
    return reference_import_summary


@pytest.fixture
def admin_client_zh(client, django_user_model, reference_data):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    return client
