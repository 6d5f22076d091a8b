"""Admin groups for the case roles, created after every migrate (idempotent).

Row-level limits come from each user's ``StaffMember`` record; the groups only open the admin
and the case screens. Permissions are created here first because Django creates them in the
same ``post_migrate`` pass, app by app.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db.models import Q

CASE_ACCESS = ("view_case", "change_case")
DISPATCH = (*CASE_ACCESS, "dispatch_case", "view_case_scores")
# Dispatchers keep the texts they use every day (回复模板, 办理优先级) up to date themselves.
REPLY_SNIPPETS = tuple(
    f"cms.{action}_{model}"
    for model in ("replytemplate", "responsepriority")
    for action in ("add", "change", "delete", "view")
)

# Codenames of the cases app, or ``app_label.codename`` for another app's permission.
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "网格员": CASE_ACCESS,
    "部门办理人员": CASE_ACCESS,
    "街道调度员": (*DISPATCH, *REPLY_SNIPPETS),
    # The district office (区督办, with the hotline office) also sets the city's handling numbers.
    "区督办": (*DISPATCH, *REPLY_SNIPPETS, "cms.change_handlingpolicy"),
}


def ensure_role_groups(
    sender: Any, *, apps: Any = global_apps, verbosity: int = 1, using: str = "default", **kwargs: Any
) -> None:
    if getattr(sender, "name", None) != "cases":
        return
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for label in ("cases", "cms", "wagtailadmin"):
        try:
            config = global_apps.get_app_config(label)
        except LookupError:
            continue
        create_contenttypes(config, verbosity=0, using=using, apps=global_apps)
        create_permissions(config, verbosity=0, using=using, apps=global_apps)
    access = (
        Permission.objects.using(using).filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    )
    for name, codenames in ROLE_GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = Q()
        for dotted in codenames:
            app_label, _, codename = dotted.rpartition(".")
            wanted |= Q(content_type__app_label=app_label or "cases", codename=codename)
        perms = list(Permission.objects.using(using).filter(wanted))
        if access is not None:
            perms.append(access)
        group.permissions.add(*perms)
