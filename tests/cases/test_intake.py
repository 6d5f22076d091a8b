"""Intake: idempotency, ticket numbers, bad inputs that store nothing, photos, and the manual queue."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import engine, services
from cases.errors import CaseValidationError
from cases.models import Case, CaseEvent, CasePhoto, CaseStatus, EventKind, TicketCounter
from cases.services import CaseSubmission, submit_case

from .conftest import STORY_RECEIVED, at, story_submission

pytestmark = pytest.mark.usefixtures("people", "clock")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def problems(excinfo) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in excinfo.value.problems]


def test_same_idempotency_key_gives_the_same_case():
    first = submit_case(story_submission(idempotency_key="app-7f3a"))
    again = submit_case(story_submission(idempotency_key="app-7f3a", text="重复提交的内容不同也不会新建工单"))
    assert (first.created, again.created) == (True, False)
    assert again.case.pk == first.case.pk
    assert again.case.ticket_number == "LX20260317000001"
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind=EventKind.RECEIVED).count() == 1


def test_key_race_lost_at_insert_returns_the_winner(monkeypatch):
    winner = submit_case(story_submission(idempotency_key="race-1")).case
    # The loser checked before the winner committed: make its early look-up miss.
    real_filter = Case.objects.filter
    calls = {"n": 0}

    def first_lookup_misses(*args, **kwargs):
        if kwargs == {"idempotency_key": "race-1"} and calls["n"] == 0:
            calls["n"] += 1
            return real_filter(pk=-1)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Case.objects, "filter", first_lookup_misses)
    result = submit_case(story_submission(idempotency_key="race-1"))
    assert (result.created, result.case.pk) == (False, winner.pk)
    assert Case.objects.count() == 1
    assert TicketCounter.objects.get().last == 1  # the loser's number was rolled back with it


def test_ticket_numbers_count_per_day(clock):
    numbers = [submit_case(story_submission()).case.ticket_number for _ in range(3)]
    clock.move_to(at(2026, 3, 18, 0, 0, 1))
    numbers.append(submit_case(story_submission()).case.ticket_number)
    assert numbers == ["LX20260317000001", "LX20260317000002", "LX20260317000003", "LX20260318000001"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"request_type": "表扬"}, [("type", "invalid_type")]),
        ({"channel": "fax"}, [("channel", "invalid_channel")]),
        ({"text": " "}, [("text", "required")]),
        ({"text": "长" * 4001}, [("text", "too_long")]),
        ({"address": "", "point": None}, [("address", "required")]),
        ({"address": "", "point": {"lat": 200, "lng": 117}}, [("point", "invalid_point")]),
        ({"point": {"lat": "north", "lng": 117}}, [("point", "invalid_point")]),
        ({"point": {"lat": True, "lng": 117}}, [("point", "invalid_point")]),
        ({"reporter_phone": "call me"}, [("reporter_phone", "invalid_phone")]),
        ({"reporter_name": "名" * 65}, [("reporter_name", "too_long")]),
        ({"idempotency_key": "键" * 3}, [("idempotency_key", "invalid_key")]),
        ({"received_at": "yesterday"}, [("received_at", "invalid_datetime")]),
        ({"received_at": "2026-03-18T09:25:00+08:00"}, [("received_at", "in_future")]),
        ({"photos": [b"GIF89a" + b"\x00" * 10]}, [("photos", "photo_type")]),
        ({"photos": [b""]}, [("photos", "photo_empty")]),
        ({"photos": [PNG] * 10}, [("photos", "too_many")]),
        (
            {"request_type": "", "channel": "", "text": "", "address": "", "reporter_phone": "x"},
            [
                ("type", "invalid_type"),
                ("channel", "invalid_channel"),
                ("text", "required"),
                ("address", "required"),
                ("reporter_phone", "invalid_phone"),
            ],
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(overrides, expected):
    with pytest.raises(CaseValidationError) as excinfo:
        submit_case(story_submission(**overrides))
    assert problems(excinfo) == expected
    assert excinfo.value.code == "invalid"
    assert (Case.objects.count(), CaseEvent.objects.count(), TicketCounter.objects.count()) == (0, 0, 0)


def test_validation_messages_are_chinese_and_actionable():
    with pytest.raises(CaseValidationError) as excinfo:
        submit_case(story_submission(address="", photos=[b"%PDF-1.7"]))
    assert excinfo.value.message == "请填写地址或在地图上选点。；第1张照片：只能上传 JPEG、PNG 或 WebP 格式的照片。"


def test_oversized_photo_is_refused_before_reading_it_all():
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * (5 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(CaseValidationError) as excinfo:
        submit_case(story_submission(photos=[big]))
    assert problems(excinfo) == [("photos", "photo_too_large")]


def test_photos_are_judged_by_their_bytes_and_stored_under_fresh_names():
    disguised = SimpleUploadedFile("scan.gif", PNG, content_type="image/gif")
    case = submit_case(
        story_submission(photos=[SimpleUploadedFile("a.jpg", JPEG), disguised, io.BytesIO(WEBP).read()])
    ).case
    stored = list(CasePhoto.objects.filter(case=case).values_list("content_type", "size"))
    assert stored == [("image/jpeg", 68), ("image/png", 72), ("image/webp", 80)]
    names = [p.file.name for p in case.photos.all()]
    assert all(n.startswith("cases/2026/03/LX20260317000001/") for n in names)
    assert [n.rsplit(".", 1)[1] for n in names] == ["jpg", "png", "webp"]
    assert case.events.get(kind=EventKind.RECEIVED).payload == {"channel": "12345", "photos": 3}


def test_point_only_request_is_located_by_the_engine():
    case = submit_case(
        CaseSubmission(
            request_type="求助",
            text="网格一号楼前的路灯不亮了，晚上很黑。",
            channel="app",
            point={"lat": 36.6574, "lng": 117.013757},
        )
    ).case
    assert (case.grid.code, case.lat, case.lng, case.address) == ("grid-furongli-01", 36.6574, 117.013757, "")


def test_engine_failure_keeps_the_case_in_the_manual_queue(monkeypatch):
    def broken(request, history):
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(engine, "decide_request", broken)
    result = submit_case(story_submission())
    case = result.case
    assert (result.created, case.status) == (True, CaseStatus.PENDING_DISPATCH)
    assert case.manual_reason == "规则引擎不可用（RuntimeError），已转人工派单"
    assert case.assignments.count() == 0
    assert [e.kind for e in case.events.order_by("id")] == [EventKind.RECEIVED, EventKind.MANUAL_QUEUE]


def test_a_decision_that_cannot_be_applied_goes_to_the_manual_queue(monkeypatch):
    real = engine.decide_request

    def odd(request, history):
        decision = real(request, history)
        return dataclasses.replace(decision, co_handlers=None)  # not iterable: applying it fails

    monkeypatch.setattr(engine, "decide_request", odd)
    case = submit_case(story_submission()).case
    assert (case.status, case.manual_reason) == (
        CaseStatus.PENDING_DISPATCH,
        "派单决定无法应用（TypeError），已转人工派单",
    )
    assert (case.assignments.count(), case.category_id, case.ack_due) == (0, None, None)
    assert [e.kind for e in case.events.order_by("id")] == [EventKind.RECEIVED, EventKind.MANUAL_QUEUE]


def test_undecidable_request_waits_for_manual_dispatch_with_the_reason():
    case = submit_case(
        CaseSubmission(request_type="咨询", text="想问问这个事情该找谁。", channel="web", address="月球背面1号")
    ).case
    assert case.status == CaseStatus.PENDING_DISPATCH
    assert case.manual_reason == "未能识别诉求分类；未能定位所属网格（地址未登记且没有可用坐标）"
    assert case.ack_due == at(2026, 3, 18, 9, 25)  # the engine still set the time limits
    assert case.next_check_at == at(2026, 3, 18, 9, 25, 1)


def test_crash_between_store_and_decide_is_finished_by_the_sweep(monkeypatch, clock):
    monkeypatch.setattr(
        services.intake, "decide_and_dispatch", lambda *a, **k: (_ for _ in ()).throw(OSError("killed"))
    )
    case = submit_case(story_submission()).case
    assert case.status == CaseStatus.RECEIVED
    monkeypatch.undo()
    clock.move_to(at(2026, 3, 17, 9, 28))
    from cases.escalation import sweep_overdue

    assert sweep_overdue().redecided == 1
    case.refresh_from_db()
    assert (case.status, case.lead_department.code) == (CaseStatus.DISPATCHED, "dept-drain")
    assert case.received_at == STORY_RECEIVED


def test_history_of_the_same_address_feeds_the_repeat_rule(clock):
    for day in (3, 10):
        clock.move_to(at(2026, 3, day, 9, 0))
        # Three different residents: the repeat rule counts distinct reporters (tests/security/test_repeat_signal.py).
        submit_case(
            story_submission(text="芙蓉街16号院下水道又堵了，污水往外漫。", reporter_phone=f"139000000{day:02d}")
        )
    clock.move_to(at(2026, 3, 17, 9, 25))
    third = submit_case(story_submission(text="芙蓉街16号院下水道又堵了，污水往外漫。")).case
    assert "route-repeat-complaint" in third.fired_rules
    assert (third.whistle, third.initial_level, third.escalation_level) == (True, 3, 3)
    assert list(third.escalations.values_list("level", "source")) == [(3, "intake")]


def test_resident_lookup_needs_ticket_and_phone():
    case = submit_case(story_submission()).case
    assert services.find_case_for_resident("lx20260317000001", "138-1234-5678") == case
    assert services.find_case_for_resident("LX20260317000001", "13800000000") is None
    assert services.find_case_for_resident("LX20990101000001", "13812345678") is None
