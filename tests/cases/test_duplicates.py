"""Repeated reports: the duplicate check, flagging at intake, merging, and what the resident then sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases import duplicates, services
from cases.duplicates import PublicCaseSummary, already_reported, find_duplicates, merged_notice, merged_summary
from cases.errors import CaseNotFound, CasePermissionDenied, InvalidTransition
from cases.models import Case, CaseEvent, CaseStatus, EventKind, Notification
from cms.geo import haversine_m
from cms.models import HandlingPolicy, RequestCategory

from .conftest import STORY_ADDRESS, STORY_RECEIVED, at, story_submission

LAT, LNG = 36.6655, 117.0232
# Metres per degree of latitude on our sphere; a degree of longitude is shorter by cos(latitude).
M_PER_DEG = 111_195.08


def north(metres: float) -> float:
    return LAT + metres / M_PER_DEG


def make_case(number: int, *, category: str = "cat-drain-sewer", received=STORY_RECEIVED, **fields) -> Case:
    """A stored case as the duplicate check reads it (no engine, no assignments)."""
    values = {
        "ticket_number": f"LX20260317{number:06d}",
        "request_type": "投诉",
        "channel": "12345",
        "text": "下水道堵了",
        "category": RequestCategory.objects.get(code=category),
        "status": CaseStatus.DISPATCHED,
        "received_at": received,
    }
    values.update(fields)
    return Case.objects.create(**values)


def tickets(cases) -> list[str]:
    return [c.ticket_number for c in cases]


@pytest.fixture
def sewer(reference_data):
    return RequestCategory.objects.get(code="cat-drain-sewer")


def test_same_normalised_address_matches(sewer):
    make_case(900001, address=STORY_ADDRESS)
    make_case(900002, address="历下区泉城路街道芙蓉街18号")
    found = find_duplicates(
        category=sewer, address="济南市 历下区泉城路街道芙蓉街１６号", lat=None, lng=None, now=STORY_RECEIVED
    )
    assert tickets(found) == ["LX20260317900001"]
    # The category may also be given by its code or id.
    assert tickets(find_duplicates(category="cat-drain-sewer", address=STORY_ADDRESS, now=STORY_RECEIVED)) == [
        "LX20260317900001"
    ]
    assert find_duplicates(category=None, address=STORY_ADDRESS, now=STORY_RECEIVED) == []


def test_within_the_radius_matches_nearest_first_and_just_outside_does_not(sewer):
    east_240 = LNG + 240 / (M_PER_DEG * 0.802_03)
    make_case(900001, lat=north(240), lng=LNG)
    make_case(900002, lat=north(260), lng=LNG)
    make_case(900003, lat=LAT, lng=east_240)
    make_case(900004, lat=north(100), lng=LNG)
    assert round(haversine_m(LAT, LNG, north(240), LNG)) == 240
    assert round(haversine_m(LAT, LNG, north(260), LNG)) == 260
    assert round(haversine_m(LAT, LNG, LAT, east_240)) == 240

    found = find_duplicates(category=sewer, address="", lat=LAT, lng=LNG, now=STORY_RECEIVED)
    assert tickets(found) == ["LX20260317900004", "LX20260317900001", "LX20260317900003"]

    policy = HandlingPolicy.load()
    policy.duplicate_radius_m = 300
    policy.save()
    found = find_duplicates(category=sewer, address="", lat=LAT, lng=LNG, now=STORY_RECEIVED)
    assert tickets(found) == ["LX20260317900004", "LX20260317900001", "LX20260317900003", "LX20260317900002"]


def test_other_category_old_closed_and_merged_cases_are_not_matched(sewer):
    make_case(900001, address=STORY_ADDRESS, category="cat-road-light")
    make_case(900002, address=STORY_ADDRESS, received=STORY_RECEIVED - timedelta(days=31))
    make_case(900003, address=STORY_ADDRESS, received=STORY_RECEIVED - timedelta(days=29))
    for number, status in enumerate(
        [CaseStatus.RESOLVED, CaseStatus.CALLBACK, CaseStatus.CLOSED, CaseStatus.MERGED], start=900004
    ):
        make_case(number, address=STORY_ADDRESS, status=status)
    make_case(900008, address=STORY_ADDRESS, status=CaseStatus.PENDING_DISPATCH)
    make_case(900009, address=STORY_ADDRESS, received=STORY_RECEIVED + timedelta(minutes=1))  # later: not before now

    found = find_duplicates(category=sewer, address=STORY_ADDRESS, lat=None, lng=None, now=STORY_RECEIVED)
    assert tickets(found) == ["LX20260317900003", "LX20260317900008"]

    policy = HandlingPolicy.load()
    policy.duplicate_lookback_days = 40
    policy.save()
    found = find_duplicates(
        category=sewer,
        address=STORY_ADDRESS,
        now=STORY_RECEIVED,
        exclude=Case.objects.get(ticket_number="LX20260317900008"),
    )
    assert tickets(found) == ["LX20260317900002", "LX20260317900003"]


def test_already_reported_shows_no_personal_data(sewer):
    make_case(900001, address=STORY_ADDRESS, reporter_name="张秀兰", reporter_phone="13812345678", repeat_count=2)
    assert already_reported(
        category="cat-drain-sewer", address=STORY_ADDRESS, lat=None, lng=None, now=STORY_RECEIVED
    ) == [
        PublicCaseSummary(
            ticket_number="LX20260317900001",
            category_name="下水道堵塞与污水外溢",
            status="dispatched",
            status_label="已派单",
            received_at=STORY_RECEIVED,
            repeat_count=2,
        )
    ]
    assert (
        duplicates.residents_reporting(already_reported(category=sewer, address=STORY_ADDRESS, now=STORY_RECEIVED)) == 3
    )


def test_a_repeated_report_is_stored_dispatched_and_flagged(people, clock):
    first = services.submit_case(story_submission())
    assert first.created and first.already_reported == () and first.residents_reporting == 0
    clock.move_to(at(2026, 3, 17, 10, 0))
    second = services.submit_case(story_submission(address="芙蓉街16号 ", reporter_phone="13900001111"))
    assert second.case.possible_duplicate_of_id is None  # "芙蓉街16号" is another address text

    third = services.submit_case(story_submission(reporter_phone="13900002222"))
    case = third.case
    assert case.status == CaseStatus.DISPATCHED
    assert case.possible_duplicate_of == first.case
    assert [s.ticket_number for s in third.already_reported] == [first.case.ticket_number]
    assert third.residents_reporting == 1
    event = CaseEvent.objects.get(case=case, kind=EventKind.DUPLICATE_SUSPECTED)
    assert (event.public, event.actor_label, event.payload) == (
        False,
        "系统",
        {"candidates": [first.case.ticket_number], "label": f"与{first.case.ticket_number}可能重复"},
    )
    # A retry with the same key returns the same case and the same earlier reports, and flags nothing twice.
    key = "hotline-retry-1"
    fourth = services.submit_case(story_submission(idempotency_key=key))
    again = services.submit_case(story_submission(idempotency_key=key))
    assert again.case == fourth.case and not again.created
    assert [s.ticket_number for s in again.already_reported] == [first.case.ticket_number, case.ticket_number]
    assert CaseEvent.objects.filter(case=fourth.case, kind=EventKind.DUPLICATE_SUSPECTED).count() == 1


def test_a_failing_duplicate_check_never_loses_the_case(people, clock, monkeypatch):
    services.submit_case(story_submission())

    def broken(**kwargs):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(services.dispatching, "find_duplicates", broken)
    monkeypatch.setattr(duplicates, "find_duplicates", broken)
    result = services.submit_case(story_submission(reporter_phone="13900002222"))
    assert result.created and result.case.status == CaseStatus.DISPATCHED
    assert result.case.possible_duplicate_of_id is None and result.already_reported == ()
    assert Case.objects.count() == 2


@pytest.fixture
def pair(people, clock):
    """The story case and a second report of it an hour later, by another resident."""
    existing = services.submit_case(story_submission()).case
    clock.move_to(at(2026, 3, 17, 10, 25))
    repeat = services.submit_case(story_submission(reporter_phone="139 0000 2222")).case
    assert repeat.possible_duplicate_of == existing
    return existing, repeat


def test_merge_closes_the_repeat_into_the_existing_case(people, pair, clock):
    existing, repeat = pair
    assert repeat.next_check_at is not None
    released = list(repeat.assignments.filter(active=True).values_list("unit_code", flat=True))
    assert released == ["dept-drain", "dept-water"]

    clock.move_to(at(2026, 3, 17, 11, 0))
    merged = services.merge_case(repeat, into=existing.ticket_number, actor=people["dispatcher"], note="同一院落")
    merged.refresh_from_db()
    existing.refresh_from_db()
    assert (merged.status, merged.merged_into, merged.next_check_at) == (CaseStatus.MERGED, existing, None)
    assert not merged.assignments.filter(active=True).exists()
    assert existing.repeat_count == 1 and existing.status == CaseStatus.DISPATCHED
    assert existing.assignments.filter(active=True).count() == 2

    on_repeat = CaseEvent.objects.get(case=merged, kind=EventKind.MERGED)
    assert (on_repeat.from_status, on_repeat.to_status, on_repeat.public, on_repeat.actor_label) == (
        "dispatched",
        "merged",
        True,
        "调度员曹（街道吹哨调度员）",
    )
    assert on_repeat.payload == {
        "into": existing.ticket_number,
        "note": "同一院落",
        "label": f"合并到工单{existing.ticket_number}",
    }
    on_existing = CaseEvent.objects.get(case=existing, kind=EventKind.MERGED)
    assert (on_existing.public, on_existing.payload) == (
        False,
        {
            "from": merged.ticket_number,
            "added": 1,
            "repeat_count": 1,
            "note": "同一院落",
            "label": f"工单{merged.ticket_number}合并到本工单，累计重复反映1次",
        },
    )
    assert sorted(
        Notification.objects.filter(case=merged, kind=EventKind.MERGED).values_list("recipient_label", flat=True)
    ) == ["供水赵工（部门办理人员）", "排水李工（部门办理人员）", "排水王工（部门办理人员）"]

    # Merging again is refused: the repeat is no longer open.
    with pytest.raises(InvalidTransition) as error:
        services.merge_case(merged, into=existing, actor=people["dispatcher"])
    assert error.value.code == "invalid_transition"


def test_a_merged_ticket_leads_the_resident_to_the_existing_case(people, pair):
    existing, repeat = pair
    services.merge_case(repeat, into=existing, actor=people["dispatcher"])
    found = services.find_case_for_resident(repeat.ticket_number.lower(), "13900002222")
    assert found == repeat and found.status == CaseStatus.MERGED
    assert merged_summary(found) == PublicCaseSummary(
        ticket_number=existing.ticket_number,
        category_name="下水道堵塞与污水外溢",
        status="dispatched",
        status_label="已派单",
        received_at=STORY_RECEIVED,
        repeat_count=1,
    )
    assert merged_notice(found) == f"该问题已有人反映，正在办理中（工单号{existing.ticket_number}）。"
    assert merged_summary(existing) is None and merged_notice(existing) == ""
    # The resident of the existing case still finds their own case.
    assert services.find_case_for_resident(existing.ticket_number, "13812345678") == existing


def test_cases_merged_earlier_follow_a_merged_case_and_keep_counting(people, pair, clock):
    existing, repeat = pair
    third = services.submit_case(story_submission(reporter_phone="13900003333")).case
    services.merge_case(third, into=repeat, actor=people["supervisor"])
    services.merge_case(repeat, into=existing, actor=people["supervisor"])
    existing.refresh_from_db()
    assert existing.repeat_count == 2
    assert set(Case.objects.filter(merged_into=existing).values_list("ticket_number", flat=True)) == {
        repeat.ticket_number,
        third.ticket_number,
    }
    assert CaseEvent.objects.get(case=existing, kind=EventKind.MERGED).payload["added"] == 2


def test_merge_checks_who_and_what(people, pair):
    existing, repeat = pair
    for name in ("drain", "grid", "other_dispatcher", "nobody"):
        with pytest.raises(CasePermissionDenied):
            services.merge_case(repeat, into=existing, actor=people[name])
    with pytest.raises(InvalidTransition) as error:
        services.merge_case(repeat, into=repeat.ticket_number, actor=people["dispatcher"])
    assert error.value.code == "same_case"
    with pytest.raises(CaseNotFound) as missing:
        services.merge_case(repeat, into="LX20990101000001", actor=people["dispatcher"])
    assert missing.value.message == "未找到工单号为“LX20990101000001”的工单，请核对后重新输入。"
    Case.objects.filter(pk=existing.pk).update(status=CaseStatus.RESOLVED)
    with pytest.raises(InvalidTransition) as closed:
        services.merge_case(repeat, into=existing, actor=people["dispatcher"])
    assert closed.value.code == "target_not_open"
    assert closed.value.message == f"工单{existing.ticket_number}当前为“已办结”，只能合并到未办结的工单。"
    repeat.refresh_from_db()
    assert repeat.status == CaseStatus.DISPATCHED and repeat.merged_into_id is None


def test_workbench_filter_and_merge_from_the_case_page(client, people, pair):
    existing, repeat = pair
    dispatcher = people["dispatcher"]
    dispatcher.groups.add(Group.objects.get(name="街道调度员"))
    client.force_login(dispatcher)

    listing = client.get(reverse("cases_index"), {"duplicate": "on"})
    assert [c.ticket_number for c in listing.context["page"]] == [repeat.ticket_number]
    assert "疑似重复" in listing.content.decode()

    page = client.get(reverse("cases_detail", args=[repeat.pk]))
    assert [c.ticket_number for c in page.context["duplicate_candidates"]] == [existing.ticket_number]
    content = page.content.decode()
    assert f'name="into" value="{existing.ticket_number}" checked' in content
    assert "确认合并：本工单将标记为“已合并”" in content

    url = reverse("cases_action", args=[repeat.pk, "merge"])
    refused = client.post(url, {"into": existing.ticket_number}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["请勾选“确认合并”后再提交。"]
    done = client.post(url, {"into": existing.ticket_number, "confirm": "on", "note": "同址"}, follow=True)
    assert [str(m) for m in done.context["messages"]] == [f"已合并到工单{existing.ticket_number}。"]
    repeat.refresh_from_db()
    assert repeat.status == CaseStatus.MERGED
    assert client.get(reverse("cases_index"), {"duplicate": "on"}).context["page"].paginator.count == 0
    existing_page = client.get(reverse("cases_detail", args=[existing.pk])).content.decode()
    assert f'1 次（<a href="{reverse("cases_detail", args=[repeat.pk])}">{repeat.ticket_number}</a>）' in existing_page


def test_merge_button_is_refused_to_a_department_officer(client, people, pair):
    existing, repeat = pair
    officer = people["drain"]
    officer.groups.add(Group.objects.get(name="部门办理人员"))
    client.force_login(officer)
    page = client.get(reverse("cases_detail", args=[repeat.pk]))
    assert "merge" not in [a.name for a in page.context["actions"]]
    response = client.post(
        reverse("cases_action", args=[repeat.pk, "merge"]),
        {"into": existing.ticket_number, "confirm": "on"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["只有本街道（镇）的吹哨调度员或区督办人员可以合并工单。"]
    repeat.refresh_from_db()
    assert repeat.status == CaseStatus.DISPATCHED
