"""Where Wagtail's admin shows English that no translation catalogue can reach, a Chinese equivalent.

Wagtail's site listing labels three columns with the bare field names ("Port", "Site name",
"Root page"), outside gettext. The settings menu links to this listing instead; the forms are
Wagtail's own (already translated). The rest of the missing strings are in ``locale/``.
"""

from __future__ import annotations

from typing import Any

from wagtail.admin.ui.tables import Column, StatusFlagColumn, TitleColumn
from wagtail.sites.views import IndexView, SiteViewSet


class SiteIndexView(IndexView):
    columns = [
        TitleColumn("hostname", label="站点", sort_key="hostname", url_name="sites_zh:edit"),
        Column("port", label="端口号", sort_key="port"),
        Column("site_name", label="站点名称"),
        Column("root_page", label="根页面"),
        StatusFlagColumn("is_default_site", label="默认站点", true_label="默认"),
    ]


class ChineseSiteViewSet(SiteViewSet):
    index_view_class = SiteIndexView


site_viewset = ChineseSiteViewSet("sites_zh", url_prefix="site-list")


ACTIONS = {
    "add": "新增",
    "change": "修改",
    "delete": "删除",
    "view": "查看",
    "publish": "发布",
    "lock": "锁定",
    "unlock": "解锁",
    "choose": "选用",
}
SPECIAL_PERMISSIONS = {
    "Can access Wagtail admin": "可以访问管理后台",
    "Delete pages with children": "删除含子页面的页面",
    "Lock/unlock pages you've locked": "锁定页面、解锁自己锁定的页面",
    "Publish any page": "发布任何页面",
    "Unlock any page": "解锁任何页面",
    "Can submit translations": "可以提交翻译",
}


def chinese_permission_name(codename: str, model_name: str, verbose_name: str, name: str) -> str:
    """Django stores permission names in English ("Can add 网格"); the group form lists them as they are."""
    if name in SPECIAL_PERMISSIONS:
        return SPECIAL_PERMISSIONS[name]
    action, _, model = codename.partition("_")
    if action in ACTIONS and model == model_name:
        # A model that no longer exists keeps the name Django gave it: "Can add 工作日历调整".
        what = verbose_name or name.removeprefix(f"Can {action} ")
        return f"可以{ACTIONS[action]}{what}"
    return name


def rename_permissions(sender: Any = None, *, using: str = "default", **kwargs: Any) -> None:
    """After each app's migrate: its permissions (created now rather than after this receiver, which runs
    first) and all others get Chinese names. Idempotent; writes only what changed."""
    from django.conf import settings
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission
    from django.utils import translation

    if sender is not None and getattr(sender, "models_module", None) is not None:
        create_permissions(sender, verbosity=0, using=using)
    changed = []
    with translation.override(settings.LANGUAGE_CODE):
        for permission in Permission.objects.using(using).select_related("content_type"):
            model = permission.content_type.model_class()
            verbose = str(model._meta.verbose_name) if model is not None else ""
            name = chinese_permission_name(
                permission.codename, permission.content_type.model, verbose, permission.name
            )[:255]
            if name != permission.name:
                permission.name = name
                changed.append(permission)
    Permission.objects.using(using).bulk_update(changed, ["name"])
