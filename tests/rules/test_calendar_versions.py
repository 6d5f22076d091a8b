"""The working calendar as a versioned table: seeding, edits as versions, deadlines that keep theirs."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine

from cases.services import CaseSubmission, submit_case
from cms.calendar import CalendarError, confirm_year, record_version, seed_year, seed_years
from cms.models import CalendarDay, CalendarVersion, CalendarYear, ConfigStamp
from rules import loader
from rules.services import calendar_for_version, latest_calendar

TZ = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY_EVE = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def fresh_live_config():
    # Stamp bumps run on commit, which these rolled-back tests never reach.
    loader.live.invalidate()
    yield
    loader.live.invalidate()


def submit(received: datetime, key: str):
    with time_machine.travel(received, tick=False):
        case = submit_case(
            CaseSubmission(
                request_type="投诉",
                text="芙蓉街16号院的下水道堵了，污水往外漫，请排水部门来看看。",
                channel="12345",
                address="历下区泉城路街道芙蓉街16号",
                reporter_phone="13812345678",
                idempotency_key=key,
            )
        ).case
    assert case.urgency == "normal"  # 投诉·一般: feedback in 1 working day, completion in 5
    return case


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def add_holiday(day: date, name: str) -> CalendarVersion:
    CalendarDay.objects.create(date=day, is_working_day=False, name=name, source="admin")
    version = record_version(f"新增 {day} {name}")
    loader.live.invalidate()
    return version


def test_2026_national_day_in_the_package_is_what_the_table_is_seeded_from():
    cn = holidays.China(years=2026)
    assert {d for d in cn if d.month == 10} == {date(2026, 10, d) for d in (1, 2, 3, 5, 6, 7)}
    assert {d for d in cn.weekend_workdays if d.month in (9, 10)} == {date(2026, 9, 20), date(2026, 10, 10)}


def test_seeding_confirms_years_the_package_carries_and_estimates_later_ones(reference_data):
    before = CalendarVersion.objects.count()
    results, version = seed_years([2025, 2026, 2027])
    assert [(r.year, r.status, r.created) for r in results] == [
        (2025, "official", True),
        (2026, "official", False),  # entered by the reference import already
        (2027, "estimated", True),
    ]
    assert version.number == before + 1
    assert version.years == {"2025": "official", "2026": "official", "2027": "estimated"}
    national_day = {
        (d.date, d.is_working_day, d.source)
        for d in CalendarDay.objects.filter(date__range=("2026-09-19", "2026-10-11"))
    }
    assert national_day == {
        (date(2026, 9, 20), True, "official"),  # Sunday make-up workday
        (date(2026, 9, 25), False, "official"),  # 中秋节, a Friday
        (date(2026, 10, 1), False, "official"),
        (date(2026, 10, 2), False, "official"),
        (date(2026, 10, 5), False, "official"),
        (date(2026, 10, 6), False, "official"),
        (date(2026, 10, 7), False, "official"),
        (date(2026, 10, 10), True, "official"),  # Saturday make-up workday
    }
    assert CalendarDay.objects.get(date="2026-10-01").name == "国庆节"
    assert CalendarDay.objects.get(date="2026-10-10").name == "调休上班"
    assert not CalendarDay.objects.filter(date__year=2027, is_working_day=True).exists()
    assert set(CalendarDay.objects.filter(date__year=2027).values_list("source", flat=True)) == {"estimated"}
    assert CalendarDay.objects.get(date="2027-01-01").is_working_day is False

    days = CalendarDay.objects.count()
    results, again = seed_years([2025, 2026, 2027])
    assert again is None
    assert [r.created for r in results] == [False, False, False]
    assert CalendarDay.objects.count() == days
    assert CalendarVersion.objects.count() == before + 1


def test_seeding_refuses_years_outside_the_calendar(reference_data):
    with pytest.raises(CalendarError) as exc:
        seed_year(2200)
    assert exc.value.code == "year_out_of_range"


def test_a_version_reaches_running_processes_through_the_config_stamp(
    reference_data, django_capture_on_commit_callbacks
):
    stamp = ConfigStamp.current()
    with django_capture_on_commit_callbacks(execute=True):
        add_holiday(date(2026, 10, 8), "国庆延长假期")
    assert ConfigStamp.current() == stamp + 1


def test_an_unchanged_table_records_no_version(reference_data):
    count = CalendarVersion.objects.count()
    assert record_version("再保存一次") is None
    assert CalendarVersion.objects.count() == count


def test_versions_are_immutable(reference_data):
    version = CalendarVersion.objects.order_by("-number").first()
    version.summary = "改写历史"
    with pytest.raises(ValueError, match="不可修改"):
        version.save()


def test_deadlines_across_national_day_count_the_make_up_saturday(reference_data):
    case = submit(NATIONAL_DAY_EVE, "cal-nd-1")
    # 10-01..10-07 off; then 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up), 10-12 Mon, 10-13 Tue.
    assert local_day(case.feedback_due) == date(2026, 10, 8)
    assert local_day(case.complete_due) == date(2026, 10, 13)
    assert case.calendar_version == CalendarVersion.objects.order_by("-number").first().number
    assert case.calendar_estimated is False
    assert case.decision["calendar_version"] == case.calendar_version


def test_an_edit_after_intake_keeps_the_case_deadlines_and_new_cases_use_the_new_version(reference_data):
    first = submit(NATIONAL_DAY_EVE, "cal-nd-2")
    old_version = first.calendar_version
    stored = (first.feedback_due, first.complete_due)

    new_version = add_holiday(date(2026, 10, 8), "国庆延长假期")
    assert new_version.number == old_version + 1

    first.refresh_from_db()
    assert (first.feedback_due, first.complete_due, first.calendar_version) == (*stored, old_version)

    second = submit(NATIONAL_DAY_EVE, "cal-nd-3")
    assert second.calendar_version == new_version.number
    assert local_day(second.feedback_due) == date(2026, 10, 9)
    assert local_day(second.complete_due) == date(2026, 10, 14)

    # Recomputing for the first case on its own version gives its original answer.
    assert calendar_for_version(old_version).add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar_for_version(new_version.number).add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)
    assert calendar_for_version(old_version) is calendar_for_version(old_version)


def test_policy_deadlines_record_the_version_they_used(reference_data):
    from cases.services import calendar_of, set_policy_deadlines

    case = submit(NATIONAL_DAY_EVE, "cal-nd-4")
    old_version = case.calendar_version
    new_version = add_holiday(date(2026, 10, 8), "国庆延长假期")

    set_policy_deadlines(case, NATIONAL_DAY_EVE, calendar_version=case.calendar_version)
    assert (local_day(case.complete_due), case.calendar_version) == (date(2026, 10, 13), old_version)
    assert calendar_of(case).is_working_day(date(2026, 10, 8)) is True

    set_policy_deadlines(case, NATIONAL_DAY_EVE)
    assert (local_day(case.complete_due), case.calendar_version) == (date(2026, 10, 14), new_version.number)
    assert calendar_of(case).is_working_day(date(2026, 10, 8)) is False


def test_estimated_flag_follows_the_status_of_the_year_in_the_version(reference_data):
    year_end = datetime(2026, 12, 28, 10, 0, tzinfo=TZ)
    seed_year(2027)
    record_version("新增2027年")
    loader.live.invalidate()
    before = submit(year_end, "cal-ye-1")
    # 12-29, 12-30, 12-31, (2027-01-01 元旦 estimated), 01-04, 01-05.
    assert local_day(before.complete_due) == date(2027, 1, 5)
    assert before.calendar_estimated is True

    confirm_year(2027)
    loader.live.invalidate()
    after = submit(year_end, "cal-ye-2")
    assert after.calendar_estimated is False
    assert after.calendar_version == before.calendar_version + 1
    before.refresh_from_db()
    assert before.calendar_estimated is True
    assert latest_calendar().calendar.is_estimated(2027) is False
    assert calendar_for_version(before.calendar_version).is_estimated(2027) is True


def test_confirmation_marks_the_year_and_its_estimated_days_official(reference_data, django_user_model):
    admin = django_user_model.objects.create_user("cal-admin")
    seed_year(2027)
    version = confirm_year(2027, user=admin, now=datetime(2027, 1, 5, 9, 0, tzinfo=TZ))
    row = CalendarYear.objects.get(year=2027)
    assert (row.status, row.confirmed_by, row.confirmed_at) == (
        "official",
        admin,
        datetime(2027, 1, 5, 9, 0, tzinfo=TZ),
    )
    assert set(CalendarDay.objects.filter(date__year=2027).values_list("source", flat=True)) == {"official"}
    assert (version.created_by, version.summary, version.years["2027"]) == (admin, "确认2027年为官方安排", "official")
    with pytest.raises(CalendarError) as exc:
        confirm_year(2027)
    assert exc.value.code == "already_confirmed"
