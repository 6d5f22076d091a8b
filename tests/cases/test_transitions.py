"""The state machine: illegal moves change nothing; 退单 and 改派; reopening after 不满意; manual dispatch."""

from __future__ import annotations

import pytest

from cases import engine, services
from cases.errors import AlreadyAcknowledged, CaseValidationError, InvalidTransition
from cases.models import Assignment, Case, CaseStatus, EventKind, Notification

from .conftest import at, story_submission


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.escalation_level,
        case.next_check_at,
        case.events.count(),
        tuple(case.assignments.order_by("id").values_list("status", "active", "acknowledged_at", "role")),
        Notification.objects.count(),
    )


def acknowledge_all(case, people):
    lead, co = case.assignments.order_by("id")
    services.acknowledge(lead, actor=people["drain"])
    services.acknowledge(co, actor=people["water"])
    return lead, co


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            lambda c, p: services.resolve(c, actor=p["drain"], resolution="已处理"),
            "工单当前状态为“已派单”，不能执行“办结”（仅在已反馈状态下可以）。",
        ),
        (
            lambda c, p: services.record_callback(c, actor=p["dispatcher"], satisfaction="satisfied"),
            "工单当前状态为“已派单”，不能执行“回访”（仅在已办结状态下可以）。",
        ),
        (
            lambda c, p: services.close(c, actor=p["dispatcher"]),
            "工单当前状态为“已派单”，不能执行“结案”（仅在已回访状态下可以）。",
        ),
        (
            lambda c, p: services.give_feedback(c, actor=p["drain"], text="在办"),
            "工单当前状态为“已派单”，不能执行“反馈”（仅在办理中状态下可以）。",
        ),
        (
            lambda c, p: services.redispatch(c, actor=p["dispatcher"], lead="dept-gas"),
            "工单当前状态为“已派单”，不能执行“改派”（仅在已退单状态下可以）。",
        ),
        (
            lambda c, p: services.reopen(c, actor=p["dispatcher"], reason="不满意"),
            "工单当前状态为“已派单”，不能执行“重新办理”（仅在已回访状态下可以）。",
        ),
        (lambda c, p: services.start(c, actor=p["drain"]), "主办单位尚未报到，请先报到再开始办理。"),
    ],
)
def test_illegal_transition_is_refused_and_changes_nothing(story_case, people, action, message):
    before = snapshot(story_case)
    with pytest.raises(InvalidTransition) as excinfo:
        action(story_case, people)
    assert excinfo.value.message == message
    assert excinfo.value.code == "invalid_transition"
    assert snapshot(story_case) == before


def test_second_acknowledgement_is_refused_with_who_and_when(story_case, people, clock):
    lead = story_case.assignments.get(role="lead")
    clock.move_to(at(2026, 3, 17, 9, 40))
    services.acknowledge(lead, actor=people["drain"])
    before = snapshot(story_case)
    with pytest.raises(AlreadyAcknowledged) as excinfo:
        services.acknowledge(lead, actor=people["drain2"])
    assert excinfo.value.code == "already_acknowledged"
    assert (
        excinfo.value.message
        == "“历下区排水服务中心”已于2026-03-17 09:40由排水王工（部门办理人员）报到，无需重复报到。"
    )
    assert snapshot(story_case) == before


def test_resolve_waits_for_every_unit_to_report_in(story_case, people):
    lead = story_case.assignments.get(role="lead")
    services.acknowledge(lead, actor=people["drain"])
    services.start(story_case, actor=people["drain"])
    services.give_feedback(story_case, actor=people["drain"], text="在疏通")
    before = snapshot(story_case)
    with pytest.raises(InvalidTransition) as excinfo:
        services.resolve(story_case, actor=people["drain"], resolution="已疏通")
    assert excinfo.value.message == "济南水务集团历下供水服务中心尚未报到，全部承办单位报到后才能办结。"
    assert snapshot(story_case) == before


def test_empty_texts_are_refused(story_case, people):
    lead, _ = acknowledge_all(story_case, people)
    with pytest.raises(CaseValidationError) as excinfo:
        services.return_assignment(lead, actor=people["drain"], reason="")
    assert [(p.field, p.code, p.message) for p in excinfo.value.problems] == [
        ("reason", "required", "请填写退单理由。")
    ]
    services.start(story_case, actor=people["drain"])
    with pytest.raises(CaseValidationError) as excinfo:
        services.give_feedback(story_case, actor=people["drain"], text="  ")
    assert [(p.field, p.code, p.message) for p in excinfo.value.problems] == [("text", "required", "请填写反馈内容。")]
    assert snapshot(story_case)[0] == CaseStatus.IN_PROGRESS


def test_return_and_redispatch_with_a_fresh_ack_window(story_case, people, clock):
    lead = story_case.assignments.get(role="lead")
    clock.move_to(at(2026, 3, 17, 14, 0))
    services.return_assignment(lead, actor=people["drain"], reason="院内私有管网，不属于市政排水管辖。")
    story_case.refresh_from_db()
    assert story_case.status == CaseStatus.RETURNED
    lead.refresh_from_db()
    assert (lead.active, lead.status, lead.return_reason) == (False, "returned", "院内私有管网，不属于市政排水管辖。")
    note = Notification.objects.filter(kind=EventKind.RETURNED).values_list("recipient_label", "message")
    assert sorted(note) == [
        (
            "曹超（街道吹哨调度员）",
            f"工单{story_case.ticket_number}被“历下区排水服务中心”退单：院内私有管网，不属于市政排水管辖。",
        ),
        (
            "调度员曹（街道吹哨调度员）",
            f"工单{story_case.ticket_number}被“历下区排水服务中心”退单：院内私有管网，不属于市政排水管辖。",
        ),
    ]

    clock.move_to(at(2026, 3, 17, 16, 0))
    services.redispatch(story_case, actor=people["dispatcher"], lead="grid", co_handlers=["dept-water"])
    story_case.refresh_from_db()
    assert story_case.status == CaseStatus.DISPATCHED
    active = list(story_case.assignments.filter(active=True).order_by("id").values_list("unit_code", "role", "ack_due"))
    assert active == [
        ("dept-water", "co", at(2026, 3, 18, 9, 25)),
        ("grid", "lead", at(2026, 3, 18, 16, 0)),  # a fresh 24-hour window for the new unit
    ]
    assert story_case.lead_department is None
    services.acknowledge(story_case.assignments.get(active=True, role="lead"), actor=people["grid"])
    services.start(story_case, actor=people["grid"])
    assert [e.kind for e in story_case.events.order_by("id")][-4:] == [
        EventKind.RETURNED,
        EventKind.REDISPATCHED,
        EventKind.ACKNOWLEDGED,
        EventKind.STARTED,
    ]


def test_unsatisfied_callback_reopens_for_a_new_round(story_case, people, clock):
    acknowledge_all(story_case, people)
    services.start(story_case, actor=people["drain"])
    services.give_feedback(story_case, actor=people["drain"], text="在疏通")
    clock.move_to(at(2026, 3, 19, 10, 0))
    services.resolve(story_case, actor=people["drain"], resolution="已疏通")
    with pytest.raises(CaseValidationError):
        services.record_callback(story_case, actor=people["dispatcher"], satisfaction="一般")
    services.record_callback(story_case, actor=people["dispatcher"], satisfaction="unsatisfied", note="还是有异味")
    clock.move_to(at(2026, 3, 20, 9, 0))
    services.reopen(story_case, actor=people["dispatcher"], reason="居民反映仍有异味")
    story_case.refresh_from_db()
    assert (story_case.status, story_case.cycle, story_case.satisfaction, story_case.resolved_at) == (
        CaseStatus.REOPENED,
        2,
        "",
        None,
    )
    # A new round: feedback and completion counted again from the reopening (Friday 20 March).
    assert (story_case.feedback_due, story_case.complete_due) == (
        at(2026, 3, 23, 23, 59, 59),
        at(2026, 3, 27, 23, 59, 59),
    )
    assert story_case.events.get(kind=EventKind.REOPENED).payload == {
        "reason": "居民反映仍有异味",
        "previous_satisfaction": "unsatisfied",
        "cycle": 2,
    }
    services.start(story_case, actor=people["drain"])
    services.give_feedback(story_case, actor=people["drain"], text="更换了破损管段")
    services.resolve(story_case, actor=people["drain"], resolution="已更换管段")
    services.record_callback(story_case, actor=people["dispatcher"], satisfaction="basically")
    services.close(story_case, actor=people["dispatcher"])
    story_case.refresh_from_db()
    assert (story_case.status, story_case.satisfaction) == (CaseStatus.CLOSED, "basically")


def test_satisfied_case_cannot_be_reopened(story_case, people):
    acknowledge_all(story_case, people)
    services.start(story_case, actor=people["drain"])
    services.give_feedback(story_case, actor=people["drain"], text="在疏通")
    services.resolve(story_case, actor=people["drain"], resolution="已疏通")
    services.record_callback(story_case, actor=people["dispatcher"], satisfaction="satisfied")
    with pytest.raises(InvalidTransition) as excinfo:
        services.reopen(story_case, actor=people["dispatcher"], reason="想再看看")
    assert excinfo.value.message == "只有回访结果为“不满意”的工单才能重新办理。"


def test_manual_dispatch_supplies_what_the_engine_could_not(people, clock, monkeypatch):
    monkeypatch.setattr(engine, "decide_request", lambda request, history: 1 / 0)
    case = services.submit_case(story_submission()).case
    assert (case.status, case.ack_due, case.subdistrict) == (CaseStatus.PENDING_DISPATCH, None, None)
    with pytest.raises(CaseValidationError) as excinfo:
        services.manual_dispatch(case, actor=people["supervisor"], lead="dept-nowhere")
    assert excinfo.value.message == "承办单位dept-nowhere不存在"
    clock.move_to(at(2026, 3, 17, 10, 0))
    services.manual_dispatch(
        case,
        actor=people["dispatcher"],
        lead="dept-drain",
        co_handlers=["dept-water", "grid"],
        category="cat-drain-sewer",
        grid="grid-furongli-02",
        whistle=True,
    )
    case.refresh_from_db()
    assert (case.status, case.category.code, case.subdistrict.code, case.whistle) == (
        CaseStatus.DISPATCHED,
        "cat-drain-sewer",
        "sd-quanchenglu",
        True,
    )
    # Deadlines from the configured time limits, counted from receipt.
    assert (case.ack_due, case.feedback_due, case.complete_due) == (
        at(2026, 3, 18, 9, 25),
        at(2026, 3, 18, 23, 59, 59),
        at(2026, 3, 24, 23, 59, 59),
    )
    assert list(case.assignments.order_by("id").values_list("unit_code", "role")) == [
        ("dept-drain", "lead"),
        ("dept-water", "co"),
        ("grid", "co"),
    ]
    assert Assignment.objects.filter(case=case, subdistrict__code="sd-quanchenglu").count() == 3
