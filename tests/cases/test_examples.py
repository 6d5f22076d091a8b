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
