"""来电登记: the operator's hints, the form through ``submit_case`` and the ticket read back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases.models import Case, CaseEvent, Channel
from intake.groups import OPERATOR_GROUP
from intake.suggestions import suggest_categories, urgency_hint
from rules.services import decide_request
from tests.cases.conftest import STORY_ADDRESS, STORY_TEXT
from tests.cases.factories import UserFactory

pytestmark = pytest.mark.django_db

GAS_TEXT = "楼道里一股煤气味，邻居家敲门没人应。"


@pytest.fixture
def operator(reference_data, client):
    user = UserFactory(username="hotline", first_name="话务员", last_name="林")
    user.groups.add(Group.objects.get(name=OPERATOR_GROUP))
    client.force_login(user)
    return user


def form_data(**overrides):
    data = {
        "reporter_name": "张秀兰",
        "reporter_phone": "13812345678",
        "address": STORY_ADDRESS,
        "lat": "",
        "lng": "",
        "request_type": "投诉",
        "text": STORY_TEXT,
        "idempotency_key": "intake-test-0001",
    }
    data.update(overrides)
    return data


def test_category_suggestions_rank_the_rules_choice_first_with_confidence(reference_data):
    suggestions = suggest_categories(STORY_TEXT)
    decision = decide_request({"type": "投诉", "text": STORY_TEXT, "address": STORY_ADDRESS})
    assert [s.code for s in suggestions][:2] == ["cat-drain-sewer", "cat-water-quality"]
    assert suggestions[0].code == decision.category
    assert all(0 < s.confidence <= 1 for s in suggestions)
    assert suggestions[0].confidence >= suggestions[1].confidence
    assert all(kw in STORY_TEXT for s in suggestions for kw in s.keywords)
    assert suggest_categories("你好，我想问一下") == []


def test_urgency_hint_names_the_words_that_raised_it(reference_data):
    assert urgency_hint(GAS_TEXT).urgent is True
    assert urgency_hint(GAS_TEXT).cues == ("煤气味",)
    assert urgency_hint(STORY_TEXT).urgent is False


def test_assist_returns_addresses_place_categories_and_open_cases(operator, client):
    url = reverse("intake_assist")
    data = client.get(url, {"text": STORY_TEXT, "address": "芙蓉街1"}).json()
    assert data["addresses"] and all("芙蓉街1" in a for a in data["addresses"])
    assert data["open_cases"] == []

    client.post(reverse("intake"), form_data())
    data = client.get(url, {"text": STORY_TEXT, "address": STORY_ADDRESS}).json()
    case = Case.objects.get()
    assert data["place"]["grid"] == case.grid.name
    assert data["place"]["matched_by"] == "address"
    assert data["categories"][0]["code"] == case.category.code
    assert [c["ticket_number"] for c in data["open_cases"]] == [case.ticket_number]
    assert data["urgent"] is False


def test_saving_goes_through_submit_case_as_the_operator_and_shows_the_ticket(operator, client):
    response = client.post(reverse("intake"), form_data())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake_ticket", args=[case.ticket_number])
    assert case.channel == Channel.HOTLINE
    assert (case.reporter_name, case.reporter_phone, case.address) == ("张秀兰", "13812345678", STORY_ADDRESS)
    received = CaseEvent.objects.filter(case=case).order_by("at", "id").first()
    assert received.actor == operator

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert case.ticket_number in page.content.decode()

    # The same opened form sent twice (double click, resend) is one case.
    again = client.post(reverse("intake"), form_data())
    assert again["Location"] == response["Location"]
    assert Case.objects.count() == 1


def test_a_map_point_alone_is_enough(operator, client):
    grid = Case._meta.get_field("grid").related_model.objects.exclude(sample_points=[]).first()
    lng, lat = (
        grid.sample_points[0][:2]
        if isinstance(grid.sample_points[0], list)
        else (
            grid.sample_points[0]["lng"],
            grid.sample_points[0]["lat"],
        )
    )
    response = client.post(reverse("intake"), form_data(address="", lat=str(lat), lng=str(lng)))
    assert response.status_code == 302
    assert Case.objects.get().grid == grid


def test_bad_input_shows_chinese_errors_and_stores_nothing(operator, client):
    response = client.post(reverse("intake"), form_data(text="", address="", reporter_phone="abc"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写地址，或在地图上选点。" in body
    assert "请填写诉求内容。" in body
    assert Case.objects.count() == 0

    response = client.post(reverse("intake"), form_data(reporter_phone="abc"))
    assert response.status_code == 400
    assert "联系电话格式不正确" in response.content.decode()
    assert Case.objects.count() == 0


def test_people_who_may_not_register_cases_are_refused(reference_data, client):
    client.force_login(UserFactory(username="outsider"))
    assert client.get(reverse("intake")).status_code in (302, 403)
    assert client.get(reverse("intake_assist"), {"text": STORY_TEXT}).status_code in (302, 403)
    assert client.post(reverse("intake"), form_data()).status_code in (302, 403)
    assert Case.objects.count() == 0
