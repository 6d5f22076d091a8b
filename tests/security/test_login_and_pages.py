"""Findings 4 and 7 (pages): admin login throttling, the first admin's password, Chinese error pages
and a Content-Security-Policy without inline scripts on resident pages."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("chief", "", "Quancheng-2026-road")


def attempt(client: Client, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": "chief", "password": password}, REMOTE_ADDR=ip)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(admin_user):
    client = Client()
    statuses = [attempt(client, f"guess-{i}").status_code for i in range(30)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[5:]) == {429}
    right = attempt(client, "Quancheng-2026-road")
    assert right.status_code == 429
    text = right.content.decode()
    assert "密码错误次数过多" in text and "15 分钟后再试" in text
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_address_so_the_owner_elsewhere_still_logs_in(admin_user):
    attacker = Client()
    for i in range(10):
        attempt(attacker, f"guess-{i}")
    owner = Client()
    response = attempt(owner, "Quancheng-2026-road", ip="198.51.100.20")
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(admin_user.pk)


@pytest.mark.parametrize("password", ["admin", "12345678", "password123"])
def test_ensure_admin_refuses_a_weak_password(monkeypatch, password, django_user_model):
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match="ADMIN_PASSWORD 不符合密码要求"):
        call_command("ensure_admin")
    assert not django_user_model.objects.exists()


def test_ensure_admin_accepts_a_strong_password(monkeypatch, django_user_model):
    monkeypatch.setenv("ADMIN_PASSWORD", "Lixia-grid-2026!")
    call_command("ensure_admin")
    assert django_user_model.objects.get().check_password("Lixia-grid-2026!")


# --------------------------------------------------------------------------- pages


def test_not_found_page_is_chinese_with_csp(client, reference_data):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_csrf_failure_page_is_chinese(reference_data):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/submit/", {"text": "下水道堵了"})
    assert response.status_code == 403
    assert "页面已过期，请重新提交" in response.content.decode()


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_server_error_page_is_chinese(client, reference_data, monkeypatch):
    from portal.views import cases as portal_cases

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(portal_cases, "render", broken)
    client.raise_request_exception = False
    response = client.get("/submit/")
    assert response.status_code == 500
    assert "服务器暂时出错" in response.content.decode()
    assert "Server Error" not in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/submit/", "/track/", "/grid/", "/search/?q=下水道", "/services/"])
def test_resident_pages_have_no_inline_script_or_style(client, reference_data, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert re.findall(r"<style|\sstyle=", html) == []
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_admin_keeps_its_inline_scripts_without_the_resident_policy(admin_client):
    assert "Content-Security-Policy" not in admin_client.get("/admin/")
