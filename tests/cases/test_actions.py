"""Every surface sees the same actions: a button is offered exactly when its check passes, and
exactly then does the workflow behind it succeed.

The walk drives cases through every state (with the side roads: a pause, a late 退单, a pending
延期, the manual queue, 改派, 合并) and, at each stop, asks every role for its buttons and tries
every action for real inside a savepoint that is rolled back.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from cases import engine, services
from cases.actions import ACTIONS, ActionContext, available_actions
from cases.errors import CaseError
from cases.models import Case, CaseStatus, Satisfaction
from cases.permissions import actor_for, can_dispatch
from cms.models import HandlingPolicy

from .conftest import at, story_submission

ROLES = ("drain", "water", "grid", "dispatcher", "other_dispatcher", "supervisor", "nobody")


class Rollback(Exception):
    pass


def sample_inputs(name: str, case: Case, other: Case) -> dict[str, Any]:
    """Valid input for each action, so that only the check (and nothing the user typed) can refuse it."""
    policy = HandlingPolicy.load()
    return {
        "return_assignment": {"reason_code": policy.return_reasons[0], "note": "不属于本单位职责范围"},
        "assignment_feedback": {"text": "已检测水质"},
        "give_feedback": {"text": "正在疏通管道"},
        "resolve": {"resolution": "管道已疏通，水质复检合格"},
        "request_extension": {"working_days": 1, "reason": "需协调物业停水施工"},
        "pause_case": {"reason_code": policy.pause_reasons[0], "note": ""},
        "resume_case": {"note": ""},
        "manual_dispatch": {"lead": "dept-drain"},
        "redispatch": {"lead": "dept-gas"},
        "record_callback": {"satisfaction": Satisfaction.UNSATISFIED},
        "reopen": {"reason": "居民仍不满意"},
        "approve_return": {"note": "同意"},
        "refuse_return": {"note": "请继续办理"},
        "approve_extension": {"note": ""},
        "refuse_extension": {"note": "理由不充分"},
        "set_priority": {"priority": None},
        "merge": {"into": other.ticket_number, "note": "同一问题"},
    }.get(name, {})


def succeeds(action, user, case: Case, target: Any, inputs: dict[str, Any]) -> bool:
    try:
        with transaction.atomic():
            action.execute(user, Case.objects.get(pk=case.pk), target, **inputs)
            raise Rollback
    except Rollback:
        return True
    except CaseError:
        return False


def disagreements(case: Case, other: Case, people: dict) -> list[str]:
    """Where the buttons, the checks and the workflows do not say the same thing."""
    found = []
    case = Case.objects.get(pk=case.pk)
    for role in ROLES:
        actor = actor_for(people[role])
        offered = {(o.name, o.assignment_id or o.request_id) for o in available_actions(case, actor)}
        context = ActionContext(case)
        for action in ACTIONS.values():
            for target in action.targets(context):
                key = (action.name, target.pk if target is not None else None)
                allowed = action.allows(actor, case, target, context=context)
                if action.name == "merge" and not can_dispatch(actor, other):
                    # The case to merge into is input, chosen among the cases this dispatcher may handle.
                    worked = allowed
                else:
                    worked = succeeds(action, people[role], case, target, sample_inputs(action.name, case, other))
                if not (key in offered) == allowed == worked:
                    found.append(
                        f"{case.get_status_display()} {role} {key}: 按钮{key in offered} 检查{allowed} 执行{worked}"
                    )
    return found


@pytest.fixture
def other_case(people, clock):
    """An open case in the same subdistrict to merge into."""
    return services.submit_case(story_submission(reporter_phone="13900001111", idempotency_key="other")).case


def test_buttons_checks_and_workflows_agree_through_the_lifecycle(people, clock, other_case):
    case = services.submit_case(story_submission(idempotency_key="walk")).case
    lead, co = case.assignments.order_by("id")
    problems = []
    seen = set()

    def stop() -> None:
        fresh = Case.objects.get(pk=case.pk)
        seen.add(fresh.status)
        problems.extend(disagreements(fresh, other_case, people))

    stop()  # 已派单, nobody has reported in
    services.acknowledge(lead, actor=people["drain"])
    stop()  # the lead has, the co-handler has not
    services.start(case, actor=people["drain"])
    stop()  # 办理中
    ACTIONS["pause_case"].execute(people["drain"], case, reason_code=HandlingPolicy.load().pause_reasons[0])
    stop()  # 挂起
    ACTIONS["resume_case"].execute(people["drain"], case)
    ACTIONS["request_extension"].execute(people["drain"], case, working_days=1, reason="需协调物业停水施工")
    stop()  # a 延期 waits for the subdistrict
    services.give_feedback(case, actor=people["drain"], text="正在疏通管道")
    stop()  # 已反馈 while 供水 has still not reported in: no 办结 for anyone
    services.acknowledge(co, actor=people["water"])
    stop()
    services.resolve(case, actor=people["drain"], resolution="管道已疏通")
    stop()  # 已办结
    services.record_callback(case, actor=people["dispatcher"], satisfaction=Satisfaction.UNSATISFIED)
    stop()  # 已回访, 不满意
    services.reopen(case, actor=people["dispatcher"], reason="居民仍不满意")
    stop()  # 重新办理
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="再次疏通")
    services.resolve(case, actor=people["drain"], resolution="已彻底疏通")
    services.record_callback(case, actor=people["dispatcher"], satisfaction=Satisfaction.SATISFIED)
    stop()  # 已回访, 满意
    services.close(case, actor=people["dispatcher"])
    stop()  # 已结案

    assert problems == []
    assert seen >= {
        CaseStatus.DISPATCHED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.FEEDBACK,
        CaseStatus.RESOLVED,
        CaseStatus.CALLBACK,
        CaseStatus.REOPENED,
        CaseStatus.CLOSED,
    }


def test_buttons_checks_and_workflows_agree_on_returns_merges_and_the_manual_queue(
    people, clock, other_case, monkeypatch
):
    reason = HandlingPolicy.load().return_reasons[0]
    fresh = services.submit_case(story_submission(idempotency_key="returned-in-window")).case
    ACTIONS["return_assignment"].execute(
        people["drain"], fresh, fresh.assignments.order_by("id")[0], reason_code=reason, note="不属于排水"
    )
    problems = disagreements(fresh, other_case, people)  # 已退单: 改派
    services.merge_case(fresh, into=other_case, actor=people["dispatcher"])
    problems += disagreements(fresh, other_case, people)  # 已合并: nothing left to do
    monkeypatch.setattr(engine, "decide_request", lambda request, history: 1 / 0)
    queued = services.submit_case(story_submission(idempotency_key="manual")).case
    monkeypatch.undo()
    assert queued.status == CaseStatus.PENDING_DISPATCH
    problems += disagreements(queued, other_case, people)  # 待人工派单
    case = services.submit_case(story_submission(idempotency_key="returned-late")).case
    co = case.assignments.order_by("id")[1]
    clock.move_to(at(2026, 3, 27, 9, 0))  # past the return window: 退单 becomes a request
    ACTIONS["return_assignment"].execute(people["water"], case, co, reason_code=reason, note="水质正常，不属于供水")
    problems += disagreements(case, other_case, people)  # a late 退单 waits for the subdistrict
    assert case.return_requests.filter(state="pending").exists()

    assert problems == []
    assert {c.status for c in Case.objects.filter(pk__in=[fresh.pk, queued.pk])} == {
        CaseStatus.MERGED,
        CaseStatus.PENDING_DISPATCH,
    }


def test_the_lead_is_not_offered_resolve_while_a_co_handler_has_not_reported_in(people, clock):
    case = services.submit_case(story_submission()).case
    lead, co = case.assignments.order_by("id")
    services.acknowledge(lead, actor=people["drain"])
    services.start(case, actor=people["drain"])
    services.give_feedback(case, actor=people["drain"], text="正在疏通")
    drain = actor_for(people["drain"])

    assert "resolve" not in {o.name for o in available_actions(case, drain)}
    services.acknowledge(co, actor=people["water"])
    assert "resolve" in {o.name for o in available_actions(Case.objects.get(pk=case.pk), drain)}


def test_drawing_the_buttons_costs_a_fixed_number_of_queries(people, clock, django_assert_max_num_queries):
    """Facts are loaded once per case (assignments, pending requests, policy), not once per action."""
    case = services.submit_case(story_submission()).case
    lead, _co = case.assignments.order_by("id")
    services.acknowledge(lead, actor=people["drain"])
    ACTIONS["request_extension"].execute(people["drain"], case, working_days=1, reason="需协调物业停水施工")
    case = Case.objects.get(pk=case.pk)
    for role in ("dispatcher", "supervisor", "water", "nobody"):
        actor = actor_for(people[role])
        with django_assert_max_num_queries(5):
            available_actions(case, actor)
