"""Fixtures for the case lifecycle: people of every role around the 芙蓉街 story, and a clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.services import CaseSubmission, submit_case
from cms.models import StaffRole

from .factories import UserFactory, staff_user

TZ = ZoneInfo("Asia/Shanghai")

# rt-dev-02 of the routing dev set: an old compound whose sewer is blocked and whose tap water is yellow.
STORY_TEXT = (
    "芙蓉街16号院是老院子，院里的下水道堵了快一个星期，污水往外漫；这两天水龙头里放出来的也是黄水，"
    "做饭都不敢用，希望管下水和管自来水的单位一起来看看。"
)
STORY_ADDRESS = "历下区泉城路街道芙蓉街16号"
STORY_RECEIVED = datetime(2026, 3, 17, 9, 25, tzinfo=TZ)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def story_submission(**overrides) -> CaseSubmission:
    values = {
        "request_type": "投诉",
        "text": STORY_TEXT,
        "channel": "12345",
        "address": STORY_ADDRESS,
        "reporter_name": "张秀兰",
        "reporter_phone": "13812345678",
    }
    values.update(overrides)
    return CaseSubmission(**values)


@pytest.fixture
def clock():
    """A frozen clock that tests move with ``clock.move_to(at(...))``."""
    with time_machine.travel(STORY_RECEIVED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(reference_data):
    """One user per role around grid-furongli-02 (泉城路街道), plus outsiders for the permission matrix."""
    return {
        "drain": staff_user(StaffRole.DEPARTMENT_OFFICER, "drain", "排水王工", department="dept-drain"),
        "drain2": staff_user(StaffRole.DEPARTMENT_OFFICER, "drain2", "排水李工", department="dept-drain"),
        "water": staff_user(StaffRole.DEPARTMENT_OFFICER, "water", "供水赵工", department="dept-water"),
        "gas": staff_user(StaffRole.DEPARTMENT_OFFICER, "gas", "燃气孙工", department="dept-gas"),
        "grid": staff_user(StaffRole.GRID_WORKER, "gridw", "网格员周", grid="grid-furongli-02"),
        "other_grid": staff_user(StaffRole.GRID_WORKER, "gridx", "网格员吴", grid="grid-furongli-01"),
        "dispatcher": staff_user(StaffRole.SUBDISTRICT_DISPATCHER, "disp", "调度员曹", subdistrict="sd-quanchenglu"),
        "other_dispatcher": staff_user(
            StaffRole.SUBDISTRICT_DISPATCHER, "disp2", "调度员郑", subdistrict="sd-daminghu"
        ),
        "supervisor": staff_user(StaffRole.SUPERVISOR, "super", "督办钱"),
        "nobody": UserFactory(username="nobody"),
    }


@pytest.fixture
def story_case(people, clock):
    """The story case, submitted on 2026-03-17 09:25 through the hotline."""
    return submit_case(story_submission(idempotency_key="hotline-20260317-0925-001")).case


# Tuesday 29 September 2026, just before 国庆: 1–7 October are off, Saturday 10 October is a make-up workday.
HOLIDAY_RECEIVED = datetime(2026, 9, 29, 9, 25, tzinfo=TZ)


@pytest.fixture
def holiday_clock():
    with time_machine.travel(HOLIDAY_RECEIVED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def holiday_case(people, holiday_clock):
    """The story case received and dispatched on 2026-09-29 09:25: 排水 leads, 供水 helps."""
    return submit_case(story_submission(idempotency_key="hotline-20260929-0925-001")).case
