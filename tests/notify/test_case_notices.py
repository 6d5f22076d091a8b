"""The case lifecycle reaches people: staff in their inbox (and by e-mail through the worker), residents by SMS."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from cases import services
from cases.accounts import ensure_demo_staff, ensure_staff_accounts
from cases.models import Satisfaction
from cms.models import StaffMember, StaffRole
from notify.models import Notice, NoticeStatus
from notify.services import deliver, unread_count
from tests.cases.conftest import story_submission

pytestmark = pytest.mark.django_db

PHONE = "13900001111"  # a number no other test's residents use


def sms_kinds(phone: str) -> list[tuple[str, str]]:
    return [(n.kind, n.body) for n in Notice.objects.filter(channel="sms", address=phone).order_by("id")]


def test_the_resident_gets_four_sms_accepted_dispatched_resolved_called_back(people, clock, settings):
    settings.NOTIFY_SITE_URL = "https://12345.example.org"
    case = services.submit_case(story_submission(reporter_phone=PHONE)).case
    t = case.ticket_number
    assert [k for k, _ in sms_kinds(PHONE)] == ["case_received", "case_dispatched"]
    received, dispatched = (body for _, body in sms_kinds(PHONE))
    assert received == f"【历下区12345】您的诉求已受理，工单号{t}。可凭工单号和本手机号在网站“查询进度”中查看办理情况。"
    assert dispatched == f"【历下区12345】您的诉求（工单号{t}）已转交历下区排水服务中心办理。"

    for assignment in case.assignments.all():
        services.acknowledge(assignment, actor=people["drain"] if assignment.role == "lead" else people["water"])
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="已安排疏通车。")
    services.resolve(case, actor=people["drain"], resolution="下水道已疏通。")
    services.record_callback(case, actor=people["dispatcher"], satisfaction=Satisfaction.SATISFIED)

    kinds = sms_kinds(PHONE)
    assert [k for k, _ in kinds] == ["case_received", "case_dispatched", "case_resolved", "case_called_back"]
    assert kinds[2][1].endswith(f"请对办理结果进行评价：https://12345.example.org/track/?ticket={t}")
    ours = Notice.objects.filter(channel="sms", address=PHONE)
    assert set(ours.values_list("key", flat=True)) == {
        f"resident-sms-{pk}"
        for pk in case.events.filter(kind__in=["received", "dispatched", "resolved", "callback"]).values_list(
            "pk", flat=True
        )
    }

    # The worker sends each once (console backend in tests), however often it runs.
    for notice in ours:
        deliver(notice.pk)
        deliver(notice.pk)
    assert set(ours.values_list("status", "attempts")) == {(NoticeStatus.SENT, 1)}


def test_a_landline_caller_gets_no_sms(people, clock):
    services.submit_case(story_submission(reporter_phone="0531-86001234"))
    assert not Notice.objects.filter(channel="sms", address__contains="86001234").exists()


def test_staff_told_about_a_case_find_it_in_their_inbox_and_mail_goes_through_the_worker(people, clock):
    people["drain"].email = "drain@example.org"
    people["drain"].save()
    services.submit_case(story_submission())
    assert unread_count(people["drain"]) == 1
    assert unread_count(people["water"]) == 1
    assert unread_count(people["nobody"]) == 0
    email = Notice.objects.get(channel="email", address="drain@example.org")
    assert (email.address, email.status) == ("drain@example.org", NoticeStatus.QUEUED)


def test_the_inbox_page_counts_unread_and_marks_read(people, clock, client):
    from notify.wagtail_hooks import register_inbox_menu

    case = services.submit_case(story_submission()).case
    drain = people["drain"]
    drain.groups.add(Group.objects.get(name="部门办理人员"))
    client.force_login(drain)
    request = RequestFactory().get("/admin/")
    request.user = drain
    menu = register_inbox_menu()
    assert menu.render_component(request).label == "我的消息（1）"
    page = client.get(reverse("notify_inbox")).content.decode()
    assert 'data-unread="1"' in page
    notice = Notice.objects.get(recipient=drain)
    assert notice.subject.startswith(f"[{case.ticket_number}]")
    assert f"[{case.ticket_number}]" in page
    assert notice.url.endswith(reverse("cases_detail", args=[case.pk]))
    client.post(reverse("notify_inbox"), {"all": "1"})
    assert unread_count(drain) == 0
    assert menu.render_component(request).label == "我的消息"
    assert 'data-unread="0"' in client.get(reverse("notify_inbox")).content.decode()


def test_every_demo_role_gets_an_account_once(reference_data, monkeypatch):
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "Quancheng-demo-1")
    added = ensure_demo_staff()
    assert ensure_demo_staff() == 0
    first = ensure_staff_accounts()
    again = ensure_staff_accounts()
    assert added == 20  # 19 departments' duty officers and one district supervisor
    assert first.created == StaffMember.objects.filter(active=True).count()
    assert first.password is None  # taken from the environment, never printed
    assert (again.created, again.existing) == (0, first.created)
    assert {StaffRole(r).label for r in StaffMember.objects.values_list("role", flat=True)} == set(first.by_role)
    assert set(first.by_role) == {label for _, label in StaffRole.choices}

    officer = StaffMember.objects.select_related("user").get(
        role=StaffRole.DEPARTMENT_OFFICER, department__code="dept-drain"
    )
    assert officer.user.username == "dept-drain"
    login = RequestFactory().post("/admin/login/")
    assert authenticate(login, username="dept-drain", password="Quancheng-demo-1") == officer.user
    assert list(officer.user.groups.values_list("name", flat=True)) == ["部门办理人员"]
    worker = StaffMember.objects.select_related("user").filter(role=StaffRole.GRID_WORKER).first()
    assert worker.user.username == "".join(c for c in worker.phone if c.isdigit())
    assert Group.objects.get(name="网格员") in worker.user.groups.all()


def test_without_the_environment_a_password_is_generated_and_returned_once(reference_data, monkeypatch):
    monkeypatch.delenv("DEMO_STAFF_PASSWORD", raising=False)
    result = ensure_staff_accounts()
    assert result.password and len(result.password) >= 12
    assert ensure_staff_accounts().password is None
