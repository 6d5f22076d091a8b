"""The permission matrix: who may see a case and who may take each transition."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from cases import services
from cases.errors import CasePermissionDenied
from cases.models import Case, CaseStatus
from cases.permissions import visible_cases

from .conftest import at, story_submission
from .test_transitions import snapshot

EVERYONE = [
    "drain",
    "drain2",
    "water",
    "gas",
    "grid",
    "other_grid",
    "dispatcher",
    "other_dispatcher",
    "supervisor",
    "nobody",
    "root",
]


@pytest.fixture
def users(people, django_user_model):
    return {**people, "root": django_user_model.objects.create_superuser("root", "root@example.org", "pw")}


def _lead(case):
    return case.assignments.get(role="lead")


def _co(case):
    return case.assignments.get(role="co")


def _ack_both(case, users):
    services.acknowledge(_lead(case), actor=users["drain"])
    services.acknowledge(_co(case), actor=users["water"])


def _to_feedback(case, users):
    _ack_both(case, users)
    services.start(case, actor=users["drain"])
    services.give_feedback(case, actor=users["drain"], text="在办")


def _to_resolved(case, users):
    _to_feedback(case, users)
    services.resolve(case, actor=users["drain"], resolution="已办结")


def _to_unsatisfied(case, users):
    _to_resolved(case, users)
    services.record_callback(case, actor=users["dispatcher"], satisfaction="unsatisfied")


def _to_returned(case, users):
    services.return_assignment(_lead(case), actor=users["drain"], reason="不属于本单位")


# action name → (prepare the case, take the action as `user`, who may take it)
MATRIX = {
    "acknowledge_lead": (None, lambda c, u: services.acknowledge(_lead(c), actor=u), {"drain", "drain2", "root"}),
    "acknowledge_co": (None, lambda c, u: services.acknowledge(_co(c), actor=u), {"water", "root"}),
    "return_co": (
        None,
        lambda c, u: services.return_assignment(_co(c), actor=u, reason="非本单位职责"),
        {"water", "root"},
    ),
    "start": (_ack_both, lambda c, u: services.start(c, actor=u), {"drain", "drain2", "root"}),
    "co_feedback": (
        _ack_both,
        lambda c, u: services.give_assignment_feedback(_co(c), actor=u, text="已检测水质"),
        {"water", "root"},
    ),
    "resolve": (
        _to_feedback,
        lambda c, u: services.resolve(c, actor=u, resolution="已办结"),
        {"drain", "drain2", "root"},
    ),
    "callback": (
        _to_resolved,
        lambda c, u: services.record_callback(c, actor=u, satisfaction="satisfied"),
        {"dispatcher", "supervisor", "root"},
    ),
    "reopen": (
        _to_unsatisfied,
        lambda c, u: services.reopen(c, actor=u, reason="仍未解决"),
        {"dispatcher", "supervisor", "root"},
    ),
    "redispatch": (
        _to_returned,
        lambda c, u: services.redispatch(c, actor=u, lead="dept-housing"),
        {"dispatcher", "supervisor", "root"},
    ),
}


@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(story_case, users, action):
    prepare, act, allowed = MATRIX[action]
    if prepare:
        prepare(story_case, users)
    for name in EVERYONE:
        if name in allowed:
            continue
        before = snapshot(story_case)
        with pytest.raises(CasePermissionDenied) as excinfo:
            act(story_case, users[name])
        assert excinfo.value.code == "permission_denied", name
        assert snapshot(story_case) == before, name
    # Any one of the allowed may then act (the first that is not a superuser).
    act(story_case, users[sorted(allowed - {"root"})[0]])


def test_denial_messages_name_who_may_act(story_case, users):
    with pytest.raises(CasePermissionDenied) as excinfo:
        services.acknowledge(_lead(story_case), actor=users["water"])
    assert excinfo.value.message == "只有承办单位“历下区排水服务中心”的人员可以报到。"
    _to_resolved(story_case, users)
    with pytest.raises(CasePermissionDenied) as excinfo:
        services.record_callback(story_case, actor=users["other_dispatcher"], satisfaction="satisfied")
    assert excinfo.value.message == "只有本街道（镇）的吹哨调度员或区督办人员可以回访。"


def test_grid_lead_case_is_acted_on_by_that_grids_staff_only(users, clock):
    case = services.submit_case(
        story_submission(text="芙蓉街16号楼上邻居天天半夜吵架，邻里纠纷调解不了。", request_type="求助")
    ).case
    assert list(case.assignments.values_list("unit_code", "role")) == [("grid", "lead"), ("community", "co")]
    with pytest.raises(CasePermissionDenied):
        services.acknowledge(_lead(case), actor=users["other_grid"])
    services.acknowledge(_lead(case), actor=users["grid"])
    assert case.assignments.get(role="lead").acknowledged_at == at(2026, 3, 17, 9, 25)


def test_visible_cases_per_role(users, clock, monkeypatch):
    story = services.submit_case(story_submission()).case
    gas = services.submit_case(
        services.CaseSubmission(
            request_type="投诉",
            text="明湖小区3号楼楼道里一股煤气味。",
            channel="12345",
            address="历下区大明湖街道明湖小区3号楼",
        )
    ).case
    from cases import engine

    monkeypatch.setattr(engine, "decide_request", lambda request, history: 1 / 0)
    stray = services.submit_case(story_submission(address="不知道在哪里")).case
    assert (stray.status, stray.subdistrict_id) == (CaseStatus.PENDING_DISPATCH, None)
    expected = {
        "drain": {story},
        "drain2": {story},
        "water": {story},
        "gas": {gas},
        "grid": {story},
        "other_grid": set(),
        "dispatcher": {story, stray},
        "other_dispatcher": {gas, stray},
        "supervisor": {story, gas, stray},
        "root": {story, gas, stray},
        "nobody": set(),
    }
    seen = {name: set(visible_cases(users[name])) for name in EVERYONE}
    assert seen == expected
    assert set(visible_cases(AnonymousUser())) == set()
    assert set(visible_cases(None)) == set()
    assert Case.objects.count() == 3
