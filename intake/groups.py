"""The 12345 operators' admin group, created after every migrate (idempotent)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

OPERATOR_GROUP = "热线受理员"
OPERATOR_PERMISSIONS = (("cases", "add_case"), ("cases", "view_case"), ("wagtailadmin", "access_admin"))


def ensure_operator_group(sender: Any, *, using: str = "default", **kwargs: Any) -> None:
    """Runs after the cases app migrates (this app has no models, so it gets no signal of its own)."""
    if getattr(sender, "name", None) != "cases":
        return
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # Django creates permissions in the same post_migrate pass, possibly after this receiver.
    for label in ("cases", "wagtailadmin"):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)

    wanted = Q(pk__in=[])
    for app_label, codename in OPERATOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group, _ = Group.objects.using(using).get_or_create(name=OPERATOR_GROUP)
    group.permissions.add(*Permission.objects.using(using).filter(wanted))
