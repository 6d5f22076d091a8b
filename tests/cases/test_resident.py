"""A resident rates their own resolved case with ticket number and phone (cases.resident)."""

from __future__ import annotations

import pytest

from cases import resident, services
from cases.errors import CaseNotFound, CaseValidationError, InvalidTransition
from cases.models import CaseStatus, EventKind

from .conftest import at
from .test_transitions import acknowledge_all


def _resolved(case, people, clock):
    acknowledge_all(case, people)
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="在疏通")
    clock.move_to(at(2026, 3, 19, 10, 0))
    return services.resolve(case, actor=people["drain"], resolution="已疏通")


def test_resident_rates_a_resolved_case_as_its_callback(story_case, people, clock):
    _resolved(story_case, people, clock)
    rated = resident.rate_case(
        story_case.ticket_number.lower(), "138-1234-5678", satisfaction="satisfied", comment=" 很及时 "
    )
    assert (rated.status, rated.satisfaction, rated.callback_note) == (CaseStatus.CALLBACK, "satisfied", "很及时")
    event = rated.events.get(kind=EventKind.CALLBACK)
    assert (event.actor_label, event.public, event.payload["label"]) == ("诉求人（网上评价）", True, "满意")


def test_wrong_phone_and_unknown_ticket_look_the_same(story_case, people, clock):
    _resolved(story_case, people, clock)
    with pytest.raises(CaseNotFound) as wrong_phone:
        resident.rate_case(story_case.ticket_number, "13900000000", satisfaction="satisfied")
    with pytest.raises(CaseNotFound) as unknown:
        resident.rate_case("X20260101-0001", "13812345678", satisfaction="satisfied")
    assert wrong_phone.value.message == unknown.value.message == "未找到该工单，请核对工单号和电话。"


def test_rating_before_resolution_or_twice_is_refused(story_case, people, clock):
    with pytest.raises(InvalidTransition):
        resident.rate_case(story_case.ticket_number, "13812345678", satisfaction="satisfied")
    _resolved(story_case, people, clock)
    resident.rate_case(story_case.ticket_number, "13812345678", satisfaction="basically")
    with pytest.raises(InvalidTransition):
        resident.rate_case(story_case.ticket_number, "13812345678", satisfaction="unsatisfied")


def test_overlong_comment_is_a_field_problem(story_case, people, clock):
    _resolved(story_case, people, clock)
    with pytest.raises(CaseValidationError) as error:
        resident.rate_case(story_case.ticket_number, "13812345678", satisfaction="satisfied", comment="好" * 501)
    assert [(p.field, p.code) for p in error.value.problems] == [("comment", "too_long")]
