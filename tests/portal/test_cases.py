"""提交诉求 and 查询进度 through the web channel: one case per key, field errors, CSRF, limits, rating."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cases.models import Case, CaseEvent, CasePhoto, CaseStatus, Channel
from cases.services import merge_case
from cms.models import StaffRole
from tests.cases.factories import staff_user

from .conftest import ADDRESS, PHONE, submit_data

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="id_{field}_error">([^<]+)</p>', html)
    return match.group(1) if match else ""


def test_form_has_the_labels_and_a_fresh_key(client, site):
    first = client.get("/submit/").content.decode()
    for label in ("诉求类型", "诉求内容", "地址", "联系电话", "姓名（选填）", "照片（选填）"):
        assert re.search(rf'<label for="id_\w+">{re.escape(label)}</label>', first), label
    assert '<button type="submit" class="primary">提交</button>' in first
    assert 'name="csrfmiddlewaretoken"' in first
    assert 'enctype="multipart/form-data"' in first
    assert 'type="hidden" name="lat"' in first and 'type="hidden" name="lng"' in first
    assert ">使用我的位置</button>" in first
    assert '<option value="投诉">投诉</option>' in first
    keys = [
        re.search(r'name="idempotency_key" value="(\w+)"', html).group(1)
        for html in (first, client.get("/submit/").content.decode())
    ]
    assert keys[0] != keys[1]


def test_submit_creates_one_case_and_shows_the_ticket(client, site):
    data = submit_data(client, photo=SimpleUploadedFile("drain.png", PNG, content_type="image/png"))
    response = client.post("/submit/", data)
    assert response.status_code == 302
    assert response["Location"] == "/submit/done/"
    case = Case.objects.get()
    assert (case.channel, case.request_type, case.address, case.reporter_phone, case.reporter_name) == (
        Channel.WEB,
        "投诉",
        ADDRESS,
        PHONE,
        "张秀兰",
    )
    assert case.idempotency_key == f"web:{data['idempotency_key']}"
    assert CasePhoto.objects.get(case=case).content_type == "image/png"

    done = client.get("/submit/done/")
    html = done.content.decode()
    assert f'<p class="ticket" data-testid="ticket-number">{case.ticket_number}</p>' in html
    assert re.fullmatch(r"LX\d{8}\d{6}", case.ticket_number)
    assert f'href="/track/?ticket={case.ticket_number}"' in html
    if case.complete_due:
        assert f"{timezone.localtime(case.complete_due):%Y年%-m月%-d日 %H:%M} 前" in html
    assert client.get("/submit/done/").status_code == 200  # a reload still shows it


def test_double_submit_creates_one_case(client, site):
    data = submit_data(client)
    first = client.post("/submit/", data)
    data.pop("photo", None)
    second = client.post("/submit/", data)
    assert first.status_code == second.status_code == 302
    assert Case.objects.count() == 1
    ticket = Case.objects.get().ticket_number
    assert ticket in client.get("/submit/done/").content.decode()


def test_done_page_without_a_submission_goes_back_to_the_form(client, site):
    response = client.get("/submit/done/")
    assert response.status_code == 302
    assert response["Location"] == "/submit/"


def test_errors_rerender_next_to_fields_and_keep_the_input(client, site):
    data = submit_data(client, text="水", phone="abc", address="", request_type="")
    data["photo"] = SimpleUploadedFile("note.png", b"not an image", content_type="image/png")
    response = client.post("/submit/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert field_error(html, "request_type") == "请选择诉求类型。"
    assert field_error(html, "text") == "诉求内容太短，请至少写 2 个字。"
    assert field_error(html, "phone") == "联系电话格式不正确，请填写手机号或带区号的座机号。"
    assert field_error(html, "address") == "请填写地址，或点“使用我的位置”。"
    assert field_error(html, "photo") == "只能上传 JPEG、PNG 或 WebP 格式的照片。"
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="abc"' in html
    assert ">\n水</textarea>" in html
    assert 'value="张秀兰"' in html
    assert f'name="idempotency_key" value="{data["idempotency_key"]}"' in html
    # Fixed, the same page submits once.
    fixed = {**data, "text": "下水道堵了一个星期", "phone": PHONE, "address": ADDRESS, "request_type": "求助"}
    fixed.pop("photo")
    assert client.post("/submit/", fixed).status_code == 302
    assert Case.objects.get().request_type == "求助"


def test_a_point_is_enough_without_an_address(client, site):
    data = submit_data(client, address="", lat="36.6650", lng="117.0230")
    assert client.post("/submit/", data).status_code == 302
    case = Case.objects.get()
    assert (case.address, case.lat, case.lng) == ("", 36.665, 117.023)


def test_csrf_is_enforced(site):
    client = Client(enforce_csrf_checks=True)
    data = submit_data(client)
    assert client.post("/submit/", data).status_code == 403
    token = client.cookies["csrftoken"].value
    assert client.post("/submit/", {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Case.objects.count() == 1


def test_submit_is_rate_limited_per_ip(client, site, settings):
    settings.PORTAL_SUBMIT_RATE_LIMIT = "2/m"
    for _ in range(2):
        assert client.post("/submit/", submit_data(client)).status_code == 302
    limited = client.post("/submit/", submit_data(client))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "提交诉求过于频繁，请 1 分钟后再试。" in limited.content.decode()
    assert Case.objects.count() == 2
    other = client.post("/submit/", submit_data(client), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


# ------------------------------------------------------------------ 查询进度


@pytest.fixture
def ticket(client, site):
    client.post("/submit/", submit_data(client))
    return Case.objects.get().ticket_number


def test_track_form_labels(client, site):
    html = client.get("/track/?ticket=LX1").content.decode()
    assert re.search(r'<label for="id_ticket_number">工单号</label>', html)
    assert re.search(r'<label for="id_phone">联系电话</label>', html)
    assert '<button type="submit" class="primary">查询</button>' in html
    assert 'value="LX1"' in html


def test_track_right_pair_shows_the_case(client, ticket, django_assert_max_num_queries):
    response = client.post("/track/", {"ticket_number": ticket.lower(), "phone": "138-1234-5678"})
    assert response.status_code == 302
    assert response["Location"] == "/track/"
    assert PHONE not in response["Location"]
    with django_assert_max_num_queries(8):
        page = client.get("/track/")
    html = page.content.decode()
    case = Case.objects.get()
    assert f"工单 {ticket}" in html
    assert f'data-testid="case-status">{case.get_status_display()}</span>' in html
    assert "<dd>投诉</dd>" in html
    assert "<dd>历下区泉城路街道芙蓉街**号</dd>" in html
    assert PHONE not in html
    public = [e.get_kind_display() for e in CaseEvent.objects.filter(case=case, public=True).order_by("at", "pk")]
    assert re.findall(r"</span> <strong>([^<]+)</strong>", html) == public
    assert public[0] == "受理"
    # Each line carries its stage of the published flow, and the strip marks where the case is now.
    assert re.findall(r'<span class="stage-tag">([^<]+)</span>', html) == ["受理", "转办"]
    assert re.findall(r"<li class=\"current\" aria-current=\"step\">([^<]+)</li>", html) == ["转办"]
    assert "提交评价" not in html


def test_track_wrong_pair_is_neutral(client, ticket):
    wrong_phone = client.post("/track/", {"ticket_number": ticket, "phone": "13900000000"}).content.decode()
    unknown = client.post("/track/", {"ticket_number": "LX20990101000001", "phone": PHONE}).content.decode()
    message = "没有查到与该工单号和联系电话对应的诉求，请核对后再试。"
    assert message in wrong_phone and message in unknown
    assert "case-result" not in wrong_phone and "case-result" not in unknown
    assert "case-result" not in client.get("/track/").content.decode()


def test_track_is_rate_limited(client, ticket, settings):
    settings.PORTAL_TRACK_RATE_LIMIT = "3/m"
    for _ in range(3):
        client.post("/track/", {"ticket_number": ticket, "phone": "13900000000"})
    limited = client.post("/track/", {"ticket_number": ticket, "phone": PHONE})
    assert limited.status_code == 429
    assert "查询进度过于频繁" in limited.content.decode()


def test_rating_once_resolved(client, ticket):
    client.post("/track/", {"ticket_number": ticket, "phone": PHONE})
    Case.objects.filter(ticket_number=ticket).update(
        status=CaseStatus.RESOLVED, resolution="下水道已疏通", resolved_at=timezone.now()
    )
    html = client.get("/track/").content.decode()
    assert "<dd>下水道已疏通</dd>" in html
    for label in ("满意", "基本满意", "不满意"):
        assert re.search(
            rf'<label class="choice"><input type="radio" name="satisfaction" value="\w+"[^>]*> {label}</label>', html
        )
    assert '<button type="submit" class="primary">提交评价</button>' in html

    missing = client.post("/track/rate/", {"comment": "很快"})
    assert "请选择满意度。" in missing.content.decode()

    rated = client.post("/track/rate/", {"satisfaction": "satisfied", "comment": "很快"})
    assert rated.status_code == 302
    case = Case.objects.get()
    assert (case.status, case.satisfaction, case.callback_note) == (CaseStatus.CALLBACK, "satisfied", "很快")
    assert CaseEvent.objects.filter(case=case, kind="callback", public=True).get().actor_label == "诉求人（网上评价）"
    after = client.get("/track/").content.decode()
    assert "感谢您的评价！" in after
    assert "<dd>满意</dd>" in after
    assert "提交评价" not in after

    again = client.post("/track/rate/", {"satisfaction": "unsatisfied"}, follow=True).content.decode()
    assert "不能执行“回访”" in again
    assert Case.objects.get().satisfaction == "satisfied"


def test_rating_needs_a_proven_session(client, ticket):
    Case.objects.filter(ticket_number=ticket).update(status=CaseStatus.RESOLVED)
    response = client.post("/track/rate/", {"satisfaction": "satisfied"}, follow=True)
    assert "请先输入工单号和联系电话查询" in response.content.decode()
    assert Case.objects.get().satisfaction == ""


def _submit_again(client) -> Case:
    """The same problem reported by a neighbour: a fresh form, so a new idempotency key."""
    response = client.post("/submit/", submit_data(client, phone="13900001111", name="李四"))
    assert response.status_code == 302
    return Case.objects.order_by("-pk").first()


def test_done_page_says_the_problem_was_already_reported(client, site):
    client.post("/submit/", submit_data(client))
    first = Case.objects.get()
    second = _submit_again(client)
    assert second.pk != first.pk and second.category_id == first.category_id
    html = client.get("/submit/done/").content.decode()
    assert '<h2 id="reported-title">已有1位居民反映过同一问题</h2>' in html
    assert f"{first.category.name}：{first.get_status_display()}" in html
    assert first.ticket_number not in html and "张秀兰" not in html  # nothing about the other resident


def test_first_report_has_no_already_reported_notice(client, site):
    client.post("/submit/", submit_data(client))
    assert 'data-testid="already-reported"' not in client.get("/submit/done/").content.decode()


def test_tracking_a_merged_ticket_points_to_the_case_being_handled(client, site):
    client.post("/submit/", submit_data(client))
    first = Case.objects.get()
    second = _submit_again(client)
    dispatcher = staff_user(StaffRole.SUBDISTRICT_DISPATCHER, "disp", "调度员曹", subdistrict="sd-quanchenglu")
    merge_case(second, into=first, actor=dispatcher, note="同一问题")
    client.post("/track/", {"ticket_number": second.ticket_number, "phone": "13900001111"})
    html = client.get("/track/").content.decode()
    assert 'data-testid="merged-notice"' in html
    assert f"该问题已有人反映，正在办理中（工单号{first.ticket_number}）。" in html
    assert "共有2位居民反映" in html
    assert "提交评价" not in html
