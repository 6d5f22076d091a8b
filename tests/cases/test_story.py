"""The whole life of one whistle case: 芙蓉街16号院, blocked sewer and yellow tap water."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from cases import services
from cases.escalation import escalate_if_overdue
from cases.models import Acknowledgement, Assignment, CaseStatus, EventKind, Notification, Satisfaction

from .conftest import STORY_RECEIVED, at


def test_whistle_story_from_hotline_to_closed(story_case, people, clock, django_capture_on_commit_callbacks):
    case = story_case
    assert case.ticket_number == "LX20260317000001"
    assert case.status == CaseStatus.DISPATCHED
    assert (case.category.code, case.grid.code, case.community.code, case.subdistrict.code) == (
        "cat-drain-sewer",
        "grid-furongli-02",
        "com-furongli",
        "sd-quanchenglu",
    )
    assert case.alley.code == "al-furongjie"
    assert case.whistle is True
    assert case.urgency == "normal"
    assert case.lead_department.code == "dept-drain"
    assert case.fired_rules == ["route-multi-department-whistle"]
    assert case.ruleset_version == 1
    assert case.received_at == STORY_RECEIVED
    assert (case.ack_due, case.feedback_due, case.complete_due) == (
        at(2026, 3, 18, 9, 25),
        at(2026, 3, 18, 23, 59, 59),
        at(2026, 3, 24, 23, 59, 59),
    )
    assert case.next_check_at == at(2026, 3, 18, 9, 25, 1)
    assert case.masked_phone == "138****5678"
    assert case.masked_name == "张**"
    lead, co = case.assignments.order_by("id")
    assert (lead.role, lead.unit_code, co.role, co.unit_code) == ("lead", "dept-drain", "co", "dept-water")
    assert lead.ack_due == co.ack_due == at(2026, 3, 18, 9, 25)
    assert sorted((n.recipient_label, n.kind) for n in Notification.objects.all()) == [
        ("供水赵工（部门办理人员）", "dispatched"),
        ("排水李工（部门办理人员）", "dispatched"),
        ("排水王工（部门办理人员）", "dispatched"),
        ("曹超（街道吹哨调度员）", "dispatched"),
        ("调度员曹（街道吹哨调度员）", "dispatched"),
    ]
    whistle_note = Notification.objects.get(recipient__username="disp")
    assert whistle_note.message == (
        "街道吹哨：工单LX20260317000001需历下区排水服务中心、济南水务集团历下供水服务中心联合处置，请跟踪各部门报到。"
    )

    clock.move_to(at(2026, 3, 17, 10, 0))
    services.acknowledge(lead, actor=people["drain"])
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED  # the water company has not reported in yet
    assert case.acknowledged_at is None

    clock.move_to(at(2026, 3, 17, 11, 0))
    services.acknowledge(co, actor=people["water"])
    case.refresh_from_db()
    assert case.status == CaseStatus.ACKNOWLEDGED
    assert case.acknowledged_at == at(2026, 3, 17, 11, 0)
    assert case.next_check_at == at(2026, 3, 19, 0, 0, 0)  # feedback due 03-18 23:59:59, checked a second later
    assert Acknowledgement.objects.filter(assignment__case=case).count() == 2

    clock.move_to(at(2026, 3, 17, 11, 30))
    services.start(case, actor=people["drain"])
    clock.move_to(at(2026, 3, 18, 10, 0))
    services.give_assignment_feedback(co, actor=people["water"], text="已冲洗入户管道，水质复检合格。")
    clock.move_to(at(2026, 3, 18, 15, 0))
    services.give_feedback(case, actor=people["drain"], text="已安排疏通车，明日上午疏通。")
    case.refresh_from_db()
    assert (case.status, case.feedback_at) == (CaseStatus.FEEDBACK, at(2026, 3, 18, 15, 0))
    # Next: the yellow card on Monday 23 March, the working day before the completion deadline.
    assert case.next_check_at == at(2026, 3, 23, 0, 0, 0)

    clock.move_to(at(2026, 3, 20, 16, 0))
    services.resolve(case, actor=people["drain"], resolution="下水道已疏通，污水已清理。")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.handling_seconds == int(timedelta(days=3, hours=6, minutes=35).total_seconds())
    assert case.next_check_at is None

    clock.move_to(at(2026, 3, 21, 10, 0))
    services.record_callback(case, actor=people["dispatcher"], satisfaction=Satisfaction.SATISFIED, note="居民表示满意")
    services.close(case, actor=people["dispatcher"])
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.closed_at) == (
        CaseStatus.CLOSED,
        "satisfied",
        at(2026, 3, 21, 10, 0),
    )

    # Long after the deadlines: a closed case never escalates.
    outcome = escalate_if_overdue(case.pk, at(2026, 4, 30, 12, 0))
    assert (outcome.previous_level, outcome.level, outcome.next_check_at) == (0, 0, None)

    timeline = [
        (e.kind, e.actor_label, e.from_status, e.to_status, e.at, e.public) for e in case.events.order_by("at", "id")
    ]
    assert timeline == [
        (EventKind.RECEIVED, "系统", "", "received", STORY_RECEIVED, True),
        (EventKind.DISPATCHED, "系统", "received", "dispatched", STORY_RECEIVED, True),
        (EventKind.ACKNOWLEDGED, "排水王工（部门办理人员）", "dispatched", "dispatched", at(2026, 3, 17, 10), False),
        (EventKind.ACKNOWLEDGED, "供水赵工（部门办理人员）", "dispatched", "acknowledged", at(2026, 3, 17, 11), False),
        (EventKind.STARTED, "排水王工（部门办理人员）", "acknowledged", "in_progress", at(2026, 3, 17, 11, 30), True),
        (
            EventKind.ASSIGNMENT_FEEDBACK,
            "供水赵工（部门办理人员）",
            "in_progress",
            "in_progress",
            at(2026, 3, 18, 10),
            False,
        ),
        (EventKind.FEEDBACK, "排水王工（部门办理人员）", "in_progress", "feedback", at(2026, 3, 18, 15), True),
        (EventKind.RESOLVED, "排水王工（部门办理人员）", "feedback", "resolved", at(2026, 3, 20, 16), True),
        (EventKind.CALLBACK, "调度员曹（街道吹哨调度员）", "resolved", "callback", at(2026, 3, 21, 10), True),
        (EventKind.CLOSED, "调度员曹（街道吹哨调度员）", "callback", "closed", at(2026, 3, 21, 10), True),
    ]
    assert case.events.get(kind=EventKind.DISPATCHED).payload == {
        "lead": "dept-drain",
        "co_handlers": ["dept-water"],
        "whistle": True,
    }
    assert [a.status for a in Assignment.objects.filter(case=case).order_by("id")] == ["feedback", "feedback"]
    assert case.escalations.count() == 0
    assert mail.outbox == []  # nothing ran on commit in this test: e-mail waits for the commit
