"""A dispatcher's category choice becomes a candidate 示例诉求; agreeing with the rules creates none."""

from __future__ import annotations

import pytest

from cases import engine, services
from cms.models import ExampleRequest, ExampleSource, ExampleStatus

from .conftest import story_submission

pytestmark = pytest.mark.django_db


def test_a_category_chosen_in_the_manual_queue_is_proposed_for_review(people, clock, monkeypatch):
    monkeypatch.setattr(engine, "decide_request", lambda request, history: 1 / 0)
    case = services.submit_case(story_submission()).case
    assert not ExampleRequest.objects.exists()

    services.manual_dispatch(
        case, actor=people["dispatcher"], lead="dept-drain", category="cat-drain-sewer", grid="grid-furongli-02"
    )

    example = ExampleRequest.objects.get()
    assert (example.category.code, example.status, example.source) == (
        "cat-drain-sewer",
        ExampleStatus.CANDIDATE,
        ExampleSource.DISPATCHER,
    )
    assert (example.case_ticket, example.text, example.previous_category) == (case.ticket_number, case.text, "")


def test_a_dispatch_that_keeps_the_decided_category_proposes_nothing(story_case):
    assert story_case.category.code == "cat-drain-sewer"
    assert not ExampleRequest.objects.exists()


def test_a_suggestion_is_accepted_with_one_click(client, people, clock, monkeypatch):
    from django.urls import reverse

    from cases.models import Case

    monkeypatch.setattr(engine, "decide_request", lambda request, history: 1 / 0)
    case = services.submit_case(story_submission()).case
    Case.objects.filter(pk=case.pk).update(
        decision={
            "category": None,
            "grid": "grid-furongli-02",
            "category_confidence": 0.21,
            "suggestions": ["cat-drain-sewer", "cat-water-quality"],
            "model_version": "m1-abcdef12",
        }
    )
    from django.contrib.auth.models import Group

    people["dispatcher"].groups.add(Group.objects.get(name="街道调度员"))
    client.force_login(people["dispatcher"])
    page = client.get(reverse("cases_detail", args=[case.pk])).content.decode()
    assert 'data-accept="cat-drain-sewer"' in page and 'data-accept="cat-water-quality"' in page
    assert "m1-abcdef12" in page

    response = client.post(
        reverse("cases_action", args=[case.pk, "manual_dispatch"]),
        {"category": "cat-drain-sewer", "lead": "dept-drain", "grid": "grid-furongli-02"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["已派单。"]
    case.refresh_from_db()
    assert (case.status, case.category.code, case.grid.code) == ("dispatched", "cat-drain-sewer", "grid-furongli-02")
    assert list(case.assignments.values_list("unit_code", "role")) == [("dept-drain", "lead")]
