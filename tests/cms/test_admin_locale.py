"""Names Wagtail and Django create in English are Chinese after migrate; the catalogue fills Wagtail's gaps."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import translation
from wagtail.models import Page, Task, Workflow

from cms.admin_locale import chinese_permission_name

pytestmark = pytest.mark.django_db


def test_permissions_groups_workflow_and_root_page_have_chinese_names():
    assert not Permission.objects.filter(name__startswith="Can ").exists()
    assert Permission.objects.get(codename="add_grid").name == "可以新增网格"
    assert Permission.objects.get(codename="access_admin").name == "可以访问管理后台"
    assert {"审核员", "编辑"} <= set(Group.objects.values_list("name", flat=True))
    assert not Group.objects.filter(name__in=["Moderators", "Editors"]).exists()
    assert Workflow.objects.filter(name="页面发布审批").exists()
    assert Task.objects.filter(name="页面审核").exists()
    assert Page.objects.get(depth=1).title == "根目录"


def test_permission_names_from_codenames():
    assert chinese_permission_name("publish_rulebook", "rulebook", "派单与提级规则", "Can publish x") == (
        "可以发布派单与提级规则"
    )
    assert chinese_permission_name("dispatch_case", "case", "工单", "可派单") == "可派单"


def test_the_project_catalogue_translates_what_wagtail_leaves_in_english():
    with translation.override("zh-hans"):
        assert translation.gettext("Search all pages…") == "搜索全部页面…"
        assert translation.gettext("New: %(model_name)s") % {"model_name": "治理人员"} == "新增：治理人员"
        assert translation.gettext("Wagtail admin") == "管理后台"
