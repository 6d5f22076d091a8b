"""Findings 1 and 2 of the security review: receipt times outside the district's window, and text
that cannot be stored (NUL, lone surrogates, control characters), through every channel."""

from __future__ import annotations

import json

import pytest

from cases import services
from cases.errors import CaseValidationError
from cases.input_safety import forbidden_paths, has_forbidden_characters
from cases.models import Case, CaseEvent, Escalation, TicketCounter
from cms.models import HandlingPolicy
from tests.api.test_cases import SUBMIT, action, story_input
from tests.cases.conftest import story_submission

pytestmark = pytest.mark.django_db

BAD_TEXTS = ["下水道\x00堵了", "下水道\ud800堵了", "下水道\x1b[31m堵了", "下水道\x7f堵了", "下水道\ufffe堵了"]


def stored() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), TicketCounter.objects.count()


@pytest.mark.parametrize("text", ["第一行\n第二行\t缩进\r\n", "地址：芙蓉街16号 😀", "ＡＢＣ全角"])
def test_ordinary_text_passes(text):
    assert not has_forbidden_characters(text)


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_forbidden_characters_are_found_at_any_depth(text):
    assert list(forbidden_paths({"input": {"reporter": {"name": text}, "photos": ["ok", text]}})) == [
        "input.reporter.name",
        "input.photos.1",
    ]


# --------------------------------------------------------------------------- receivedAt window


@pytest.mark.usefixtures("people", "clock")
@pytest.mark.parametrize(
    ("received_at", "code"),
    [
        ("0001-01-01T00:00:00+14:00", "out_of_range"),
        ("1970-01-01T08:00:00+08:00", "out_of_range"),
        ("2026-03-10T09:24:59+08:00", "out_of_range"),  # 7 days and a second before now
        ("2026-03-17T09:31:00+08:00", "in_future"),
        ("9999-12-31T23:59:59-12:00", "in_future"),
    ],
)
def test_received_at_outside_the_window_is_a_field_error_and_nothing_is_stored(received_at, code):
    with pytest.raises(CaseValidationError) as excinfo:
        services.submit_case(story_submission(received_at=received_at))
    assert [(p.field, p.code) for p in excinfo.value.problems] == [("received_at", code)]
    assert stored() == (0, 0, 0)
    assert not Escalation.objects.exists()


@pytest.mark.usefixtures("people", "clock")
def test_received_at_inside_the_window_keeps_its_time():
    case = services.submit_case(story_submission(received_at="2026-03-10T09:26:00+08:00")).case
    assert case.received_at.isoformat() == "2026-03-10T01:26:00+00:00"


@pytest.mark.usefixtures("people", "clock")
def test_the_district_sets_the_window():
    policy = HandlingPolicy.load()
    policy.received_at_max_age_days = 30
    policy.save()
    assert services.submit_case(story_submission(received_at="2026-02-20T09:00:00+08:00")).created
    policy.received_at_max_age_days = 1
    policy.save()
    with pytest.raises(CaseValidationError) as excinfo:
        services.submit_case(story_submission(received_at="2026-03-15T09:00:00+08:00"))
    assert excinfo.value.problems[0].message == "受理时间不能早于1天前；更早的诉求请按新受理录入。"


def test_year_one_over_graphql_is_refused_and_the_case_list_still_opens(gql, hotline, clock, admin_client):
    response = gql(SUBMIT, {"input": story_input(receivedAt="0001-01-01T00:00:00+14:00")}, key=hotline)
    assert response.status == 200
    assert response.data["submitCase"]["errors"] == [
        {
            "field": "receivedAt",
            "message": "受理时间不能早于7天前；更早的诉求请按新受理录入。",
            "code": "OUT_OF_RANGE",
        }
    ]
    assert stored() == (0, 0, 0)
    assert admin_client.get("/admin/cases/").status_code == 200


# --------------------------------------------------------------------------- text on every channel


@pytest.mark.usefixtures("people", "clock")
@pytest.mark.parametrize("text", BAD_TEXTS)
@pytest.mark.parametrize("field", ["text", "address", "reporter_name"])
def test_intake_refuses_unstorable_text(field, text):
    with pytest.raises(CaseValidationError) as excinfo:
        services.submit_case(story_submission(**{field: text}))
    assert (field, "invalid_characters") in [(p.field, p.code) for p in excinfo.value.problems]
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_submit_case_over_graphql_gives_field_errors(gql, hotline, clock, text):
    variables = {"input": story_input(text=text, reporter={"name": text, "phone": "13812345678"})}
    response = gql(SUBMIT, variables, key=hotline)
    assert response.status == 200 and response.errors == []
    errors = response.data["submitCase"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("text", "INVALID_CHARACTERS"),
        ("reporter.name", "INVALID_CHARACTERS"),
    ]
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize("text", BAD_TEXTS)
@pytest.mark.parametrize(
    ("mutation", "extra", "field"),
    [
        ("addFeedback", ", text: $x", "text"),
        ("requestExtension", ", workingDays: 2, reason: $x", "reason"),
        ("resolveCase", ", resolution: $x", "resolution"),
        ("returnAssignment", ", reason: $x", "reason"),
    ],
)
def test_department_mutations_give_field_errors(gql, ticket, drain, text, mutation, extra, field):
    events = CaseEvent.objects.count()
    query = action(mutation, extra).replace("$d: String!)", "$d: String!, $x: String!)")
    response = gql(query, {"t": ticket, "d": "dept-drain", "x": text}, key=drain)
    assert response.status == 200 and response.errors == []
    assert response.data[mutation]["errors"] == [
        {
            "field": field,
            "message": "含有无法保存的控制字符或无效字符（如 NUL、孤立代理项），请删除后重试。",
            "code": "INVALID_CHARACTERS",
        }
    ]
    assert CaseEvent.objects.count() == events


def test_a_lone_surrogate_in_a_query_argument_is_never_an_internal_error(gql, reference_data):
    response = gql("query($q: String!) { search(query: $q) { total } }", {"q": "下水道\ud800"})
    assert "INTERNAL_ERROR" not in response.error_codes
    assert response.status in (200, 400)
    json.dumps(response.body)


@pytest.mark.usefixtures("people", "clock")
def test_staff_workflows_refuse_unstorable_text(people):
    case = services.submit_case(story_submission()).case
    with pytest.raises(CaseValidationError) as excinfo:
        services.close(case, actor=people["dispatcher"], note="结案\x00")
    assert excinfo.value.problems[0].code == "invalid_characters"
