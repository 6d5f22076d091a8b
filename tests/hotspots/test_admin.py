"""The 未诉先办 admin screen and dashboard panel: listed, acted on, refused without permission."""

from __future__ import annotations

import pytest
import time_machine

from cases.models import Case, Channel
from hotspots.models import Hotspot, HotspotStatus
from hotspots.services import scan

from .test_services import NOW, outbreak  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotspot(outbreak):  # noqa: F811
    [found] = scan(now=NOW).opened
    return found


def test_screen_lists_and_acts(admin_client_zh, hotspot):
    html = admin_client_zh.get("/admin/hotspots/").content.decode()
    assert f'data-hotspot="{hotspot.pk}"' in html
    assert "下水道堵塞与污水外溢" in html and "<strong>4</strong> 件" in html
    assert "未诉先办 · 诉求热点" in admin_client_zh.get("/admin/").content.decode()
    with time_machine.travel(NOW, tick=False):
        response = admin_client_zh.post(f"/admin/hotspots/{hotspot.pk}/act/", {"note": "转为主动工单"})
    case = Case.objects.get(channel=Channel.PROACTIVE)
    assert response.status_code == 302 and response["Location"] == f"/admin/cases/{case.pk}/"
    assert Hotspot.objects.get().status == HotspotStatus.ACTED


def test_dismiss_needs_a_reason(admin_client_zh, hotspot):
    response = admin_client_zh.post(f"/admin/hotspots/{hotspot.pk}/dismiss/", {"note": ""}, follow=True)
    assert "请说明忽略的理由" in response.content.decode()
    assert Hotspot.objects.get().status == HotspotStatus.OPEN


def test_refused_without_dispatch_permission(client, django_user_model, hotspot):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get("/admin/hotspots/").status_code == 302
    assert client.post(f"/admin/hotspots/{hotspot.pk}/act/").status_code == 302
    assert Hotspot.objects.get().status == HotspotStatus.OPEN


def test_detect_command_reports_what_it_found(hotspot, capsys):
    from django.core.management import call_command

    Hotspot.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        call_command("detect_hotspots")
    out = capsys.readouterr().out
    assert f"新热点：{Hotspot.objects.get()}" in out
    assert out.strip().endswith("完成：新发现 1，仍在持续 0，已回落 0。")
