"""Scanning stored cases into hotspots, and a dispatcher's proactive case or dismissal."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases.errors import CasePermissionDenied
from cases.models import Case, CaseStatus, Channel
from cases.permissions import actor_for
from cms.models import Address, RequestCategory, StaffRole
from hotspots.models import Hotspot, HotspotStatus
from hotspots.services import HotspotError, act, dismiss, open_hotspots, scan
from tests.cases.factories import staff_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 17, 12, 0, tzinfo=TZ)
HOME = "历下区泉城路街道芙蓉街16号"
NEIGHBOUR = "历下区泉城路街道芙蓉街18号"
SEWER_TEXT = "院里下水道堵了，污水外溢到路上"


TICKETS = itertools.count(1)


def report(address: str, at: datetime, category: str = "cat-drain-sewer", text: str = SEWER_TEXT) -> Case:
    """A stored case as routing would have left it (numbered apart from the intake's own tickets)."""
    place = Address.objects.select_related("grid__community__subdistrict").get(address=address)
    return Case.objects.create(
        ticket_number=f"T{next(TICKETS):08d}",
        request_type="投诉",
        channel=Channel.HOTLINE,
        text=text,
        address=address,
        reporter_name="王某",
        reporter_phone="13800000000",
        category=RequestCategory.objects.get(code=category),
        grid=place.grid,
        community=place.grid.community,
        subdistrict=place.grid.community.subdistrict,
        alley=place.alley,
        received_at=at,
        status=CaseStatus.DISPATCHED,
    )


@pytest.fixture
def outbreak(reference_data):
    for hours in (2, 6, 11, 13):
        report(HOME, NOW - timedelta(hours=hours))
    report(NEIGHBOUR, NOW - timedelta(hours=3))
    report(HOME, NOW - timedelta(hours=4), category="cat-city-garbage", text="垃圾没人清")


def test_scan_opens_one_hotspot_at_the_most_specific_level(outbreak):
    result = scan(now=NOW)
    [hotspot] = result.opened
    assert (hotspot.level, hotspot.area_key, hotspot.category.code) == ("address", HOME, "cat-drain-sewer")
    assert (hotspot.count, hotspot.address, hotspot.grid.code) == (4, HOME, "grid-furongli-02")
    assert hotspot.area_label == HOME and hotspot.alley.code == "al-furongjie"
    assert len(hotspot.tickets) == 4
    assert hotspot.expected == pytest.approx(0.1) and hotspot.p_value < 1e-5


def test_rescans_refresh_then_expire(outbreak):
    scan(now=NOW)
    again = scan(now=NOW + timedelta(hours=1))
    assert (again.opened, len(again.refreshed)) == ([], 1)
    assert Hotspot.objects.count() == 1
    assert scan(now=NOW + timedelta(hours=30)).expired == 1
    assert Hotspot.objects.get().status == HotspotStatus.EXPIRED


def test_busy_places_need_more_than_their_usual_level(reference_data):
    for day in range(1, 28):  # a sewer complaint every day for four weeks at this address
        report(HOME, NOW - timedelta(days=day, hours=3))
    for hours in (2, 6, 11, 13):
        report(HOME, NOW - timedelta(hours=hours))
    assert scan(now=NOW).opened == []


def test_supervisor_turns_a_hotspot_into_a_routed_proactive_case(outbreak):
    [hotspot] = scan(now=NOW).opened
    supervisor = actor_for(staff_user(StaffRole.SUPERVISOR, "dubanren"))
    case = act(hotspot.pk, actor=supervisor, note="组织排查", now=NOW)
    assert case.channel == Channel.PROACTIVE
    assert (case.reporter_name, case.reporter_phone) == ("", "")
    head = f"未诉先办：{HOME}近24小时收到4件“下水道堵塞与污水外溢”诉求（常态约0.1件），请主动排查处置。"
    assert case.text.startswith(head)
    assert case.text.endswith(f"居民反映摘录：{SEWER_TEXT}")  # the same words once, never the reporter
    assert "王某" not in case.text
    assert case.category.code == "cat-drain-sewer" and case.status == CaseStatus.DISPATCHED
    assert case.assignments.get(role="lead").department.code == "dept-drain"
    hotspot.refresh_from_db()
    assert (hotspot.status, hotspot.proactive_case, hotspot.note) == (HotspotStatus.ACTED, case, "组织排查")
    with pytest.raises(HotspotError, match="该热点已已转主动工单"):
        act(hotspot.pk, actor=supervisor, now=NOW)
    assert scan(now=NOW + timedelta(hours=1)).opened == []  # acted on; the same reports do not reopen it


def test_only_the_subdistricts_dispatcher_decides(outbreak):
    [hotspot] = scan(now=NOW).opened
    other = actor_for(staff_user(StaffRole.SUBDISTRICT_DISPATCHER, "daminghu", subdistrict="sd-daminghu"))
    with pytest.raises(CasePermissionDenied):
        act(hotspot.pk, actor=other, now=NOW)
    assert open_hotspots(other) == []
    own = actor_for(staff_user(StaffRole.SUBDISTRICT_DISPATCHER, "quancheng", subdistrict="sd-quanchenglu"))
    assert open_hotspots(own) == [hotspot]
    with pytest.raises(HotspotError, match="请说明忽略的理由"):
        dismiss(hotspot.pk, actor=own, note=" ")
    dismissed = dismiss(hotspot.pk, actor=own, note="已知的计划检修", now=NOW)
    assert (dismissed.status, dismissed.closed_by) == (HotspotStatus.DISMISSED, own.user)
    assert Case.objects.filter(channel=Channel.PROACTIVE).count() == 0


def test_proactive_cases_do_not_feed_the_detector(outbreak):
    [hotspot] = scan(now=NOW).opened
    act(hotspot.pk, actor=actor_for(staff_user(StaffRole.SUPERVISOR, "dubanren")), now=NOW)
    Hotspot.objects.all().delete()
    [again] = scan(now=NOW + timedelta(minutes=5)).opened
    assert again.count == 4
