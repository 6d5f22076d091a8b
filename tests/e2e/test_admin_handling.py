"""What staff do with the Shandong 12345 handling rules in the Wagtail admin, in a desktop Chromium:
退单 within and after the window, 延期, 黄牌 / 红牌 and the 督办单, merging a repeated report, and the
考核统计 that counts them. Cases come from the services with explicit times (the live server runs in
another thread, so the clock is never frozen); each step under test is clicked through the admin by a
user who signed in with the real login form, one browser context per user."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases import engine, extensions, returns, services
from cases.cards import card_moments
from cases.escalation import local_zone, sweep_overdue
from cases.models import Assignment, Case, DeadlineCard, ExtensionRequest, SupervisionOrder
from cases.scores import compute_scores
from cms.models import HandlingPolicy, StaffRole
from tests.cases.conftest import STORY_ADDRESS, story_submission
from tests.cases.factories import staff_user
from tests.e2e.checks import INSTALL_HINT

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import AbstractUser
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason=f"未安装 Python 包 playwright（{INSTALL_HINT}）").expect

pytestmark = pytest.mark.e2e

PASSWORD = "Quancheng-12345"
DRAIN = "历下区排水服务中心"
WATER = "济南水务集团历下供水服务中心"
OFFICER = "排水王工（部门办理人员）"
NOT_OURS = "不属于本单位职责"
WRONG_AREA = "派单地址或区域有误"
SEWER_TEXT = "芙蓉街16号院门口的下水道堵了，污水漫到路上，气味很大。"

#: key: (role, username, name, admin group, area)
STAFF = {
    "drain": (StaffRole.DEPARTMENT_OFFICER, "drain", "排水王工", "部门办理人员", {"department": "dept-drain"}),
    "water": (StaffRole.DEPARTMENT_OFFICER, "water", "供水赵工", "部门办理人员", {"department": "dept-water"}),
    "dispatcher": (
        StaffRole.SUBDISTRICT_DISPATCHER,
        "disp",
        "调度员曹",
        "街道调度员",
        {"subdistrict": "sd-quanchenglu"},
    ),
    "supervisor": (StaffRole.SUPERVISOR, "super", "督办钱", "区督办", {}),
}


# --------------------------------------------------------------------------- people, time and cases


@pytest.fixture
def staff(site) -> dict[str, AbstractUser]:
    """Admin users with passwords, each linked to a staff record of their role around 芙蓉街 / 泉城路街道."""
    people = {}
    for key, (role, username, name, group, area) in STAFF.items():
        user = staff_user(role, username, name, **area)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=group))
        people[key] = user
    return people


def sign_in(open_page: Callable[[str], Page], user: AbstractUser) -> Page:
    """A fresh desktop browser for ``user``, signed in through the admin login form."""
    page = open_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(user.username)
    # Wagtail 8's login form leaves the password field's label untranslated ("Password"); its placeholder is not.
    page.get_by_placeholder("输入密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


# Wagtail slides a new message in from above for half a second; shoot once it has landed.
SETTLED = "() => [...document.querySelectorAll('.messages > ul')].every(ul => getComputedStyle(ul).top === '0px')"


@pytest.fixture
def shot(screenshot) -> Callable[[Page, str], None]:
    """``screenshot`` of the whole admin page. Wagtail scrolls its content inside the page, so a full-page
    shot shows only the first screen: the viewport grows to the content's height for the shot."""

    def take(page: Page, step: str) -> None:
        page.wait_for_function(SETTLED)
        size = page.viewport_size
        height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        screenshot(page, step)
        page.set_viewport_size(size)

    return take


def loaded(page: Page) -> None:
    """Admin pages are Wagtail's: no axe gate here, only no script error."""
    assert page.js_errors == [], f"{page.url} 脚本错误：{page.js_errors}"


def open_case(page: Page, case: Case) -> None:
    page.goto(f"/admin/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"工单 {case.ticket_number}")


def expect_message(page: Page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def local(moment: datetime) -> str:
    return timezone.localtime(moment, local_zone()).strftime("%Y-%m-%d %H:%M")


def working_days_ago(n: int, at: time = time(9, 0)) -> datetime:
    """``at`` on the Nth working day before today, by the rules' working calendar."""
    calendar = engine.working_calendar()
    day: date = timezone.localdate()
    while n:
        day -= timedelta(days=1)
        n -= calendar.is_working_day(day)
    return datetime.combine(day, at, tzinfo=local_zone())


def story_case(now: datetime | None = None, **overrides) -> Case:
    """The 芙蓉街 story (blocked sewer and yellow tap water): 排水 leads, 供水 helps."""
    return services.submit_case(story_submission(**overrides), now=now).case


def lead_of(case: Case) -> Assignment:
    return case.assignments.select_related("department").get(active=True, role="lead")


def both_units_report_in(case: Case, staff: dict[str, AbstractUser]) -> None:
    """报到 an hour after dispatch, so the completion deadline is the only one left to miss."""
    moment = case.received_at
    for assignment in case.assignments.filter(active=True):
        officer = staff["drain"] if assignment.unit_code == "dept-drain" else staff["water"]
        services.acknowledge(assignment, actor=officer, now=moment + timedelta(hours=1))


# --------------------------------------------------------------------------- 1. 退单 within the window


def test_officer_returns_a_misdispatched_case_within_the_window(staff, open_page, shot):
    case = story_case()
    window_end = returns.return_window_end(lead_of(case))

    officer = sign_in(open_page, staff["drain"])
    officer.get_by_role("button", name="诉求工单").click()
    officer.get_by_role("link", name="我的工单", exact=True).click()
    expect(officer.locator("[data-total]")).to_have_text("共 1 件")
    officer.get_by_role("link", name=case.ticket_number).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(f"工单 {case.ticket_number}")
    form = officer.locator('form[data-action="return_assignment"]')
    expect(form).to_have_count(1)
    expect(form.locator(".help-block")).to_have_text(f"可在{local(window_end)}前自行退单")
    form.get_by_label("退单理由").select_option(NOT_OURS)
    form.get_by_label("退单说明").fill("院内下水道属小区物业自管管网；黄水问题请供水单位主办。")
    form.get_by_role("button", name=f"退单（{DRAIN}）").click()

    expect_message(officer, "已退单，等待街道改派。")
    expect(officer.locator('[data-field="status"]')).to_have_text("已退单（街道吹哨）")
    expect(officer.locator('[data-assignments] tr[data-unit="dept-drain"] td').nth(2)).to_have_text(
        f"已退单：{NOT_OURS}：院内下水道属小区物业自管管网；黄水问题请供水单位主办。"
    )
    expect(officer.locator('tr[data-return="direct"] td').nth(4)).to_have_text("时限内退单")
    loaded(officer)
    shot(officer, "officer")

    dispatcher = sign_in(open_page, staff["dispatcher"])
    dispatcher.goto("/admin/cases/?status=returned")
    dispatcher.get_by_role("link", name=case.ticket_number).click()
    redispatch = dispatcher.locator('form[data-action="redispatch"]')
    expect(redispatch.locator("[data-suggestion]")).to_have_text(
        f"规则建议主办单位：{WATER}（已排除退单单位：{DRAIN}），已预先选中。"
    )
    expect(redispatch.locator('select[name="lead"]')).to_have_value("dept-water")
    loaded(dispatcher)
    shot(dispatcher, "redispatch")

    redispatch.get_by_role("button", name="改派").click()
    expect_message(dispatcher, "已改派。")
    expect(dispatcher.locator('[data-assignments] tr[data-unit="dept-water"] td').nth(1)).to_have_text("主办")
    case.refresh_from_db()
    assert (case.status, lead_of(case).unit_code) == ("dispatched", "dept-water")


# --------------------------------------------------------------------------- 2. 退单 after the window


def test_late_return_is_a_request_the_dispatcher_approves(staff, open_page, shot):
    late = story_case(now=working_days_ago(5))
    assert returns.return_window_end(lead_of(late)) < timezone.now()
    # A second case, returned in time through the service, so the report has both kinds.
    early = story_case(address="历下区泉城路街道芙蓉街18号")
    returns.request_return(lead_of(early), actor=staff["drain"], reason_code=WRONG_AREA, note="18号院不在本单位片区。")

    officer = sign_in(open_page, staff["drain"])
    open_case(officer, late)
    form = officer.locator('form[data-action="return_assignment"]')
    expect(form.locator(".help-block")).to_have_text("已超过自行退单时限，退单须经街道（镇）审核同意")
    form.get_by_label("退单理由").select_option(NOT_OURS)
    form.get_by_label("退单说明").fill("院内管网属物业管理范围。")
    form.get_by_role("button", name=f"申请退单（{DRAIN}）").click()
    expect_message(officer, "已超过自行退单时限，退单申请已提交街道（镇）审核。")
    expect(officer.locator('tr[data-return="pending"] td').nth(4)).to_have_text("待审核")
    expect(officer.locator('form[data-action="return_assignment"]')).to_have_count(0)
    loaded(officer)

    dispatcher = sign_in(open_page, staff["dispatcher"])
    dispatcher.get_by_role("button", name="诉求工单").click()
    dispatcher.get_by_role("link", name="待审批（退单、延期）", exact=True).click()
    expect(dispatcher.locator("[data-total]")).to_have_text("共 1 件")
    expect(dispatcher.locator("tr[data-ticket]")).to_have_attribute("data-ticket", late.ticket_number)
    loaded(dispatcher)
    shot(dispatcher, "pending")
    dispatcher.get_by_role("link", name=late.ticket_number).click()
    approve = dispatcher.locator('form[data-action="approve_return"]')
    expect(approve.locator(".help-block")).to_contain_text(f"{NOT_OURS}：院内管网属物业管理范围。")
    expect(approve.locator(".help-block")).to_contain_text(OFFICER)
    approve.get_by_label("说明").fill("同意，改派供水单位。")
    approve.get_by_role("button", name=f"同意退单（{DRAIN}）").click()
    expect_message(dispatcher, "已同意退单。")
    expect(dispatcher.locator('[data-field="status"]')).to_have_text("已退单（街道吹哨）")
    expect(dispatcher.locator('tr[data-return="approved"] td').nth(4)).to_have_text("同意退单")
    expect(dispatcher.locator('form[data-action="redispatch"] [data-suggestion]')).to_have_attribute(
        "data-suggestion", "dept-water"
    )
    dispatcher.goto("/admin/cases/?pending_approval=on")
    expect(dispatcher.locator("[data-total]")).to_have_text("共 0 件")

    dispatcher.get_by_role("button", name="诉求工单").click()
    dispatcher.get_by_role("link", name="退单统计", exact=True).click()
    report = dispatcher.locator("[data-returns-report]")
    reasons = HandlingPolicy.load().return_reasons
    expect(report.locator("thead th")).to_have_text(
        ["承办单位", "退单合计", "时限内退单", "超时限申请", "同意", "驳回", "待审核", *reasons]
    )
    by_reason = [{NOT_OURS: "1", WRONG_AREA: "1"}.get(reason, "0") for reason in reasons]
    expected = [DRAIN, "2", "1", "1", "1", "0", "0", *by_reason]
    expect(report.locator('tbody tr[data-unit="dept-drain"] td')).to_have_text(expected)
    expect(report.locator('tfoot tr[data-unit="total"] th')).to_have_text(["合计", *expected[1:]])
    loaded(dispatcher)
    shot(dispatcher, "report")


# --------------------------------------------------------------------------- 3. 延期


def test_lead_applies_for_an_extension_and_the_dispatcher_approves(staff, open_page, shot):
    case = story_case()
    original = case.complete_due
    new_due = extensions.extended_due(case, 3)

    officer = sign_in(open_page, staff["drain"])
    open_case(officer, case)
    expect(officer.locator('form[data-action="request_extension"]')).to_have_count(0)  # only after 报到
    officer.get_by_role("button", name=f"报到（{DRAIN}）").click()
    expect_message(officer, "已报到。")
    form = officer.locator('form[data-action="request_extension"]')
    expect(form.locator(".help-block")).to_have_text("办结时限前申请，最多还可延期10个工作日")
    form.get_by_label("延期（工作日）").fill("3")
    form.get_by_label("延期理由").fill("入户管道需整体更换，管材到货需三个工作日。")
    form.get_by_role("button", name="申请延期").click()
    expect_message(officer, "延期申请已提交，等待审核。")
    expect(officer.locator('tr[data-extension="pending"] td').first).to_have_text("延期 3 个工作日")
    loaded(officer)

    dispatcher = sign_in(open_page, staff["dispatcher"])
    dispatcher.goto("/admin/cases/?pending_approval=on")
    dispatcher.get_by_role("link", name=case.ticket_number).click()
    approve = dispatcher.locator('form[data-action="approve_extension"]')
    expect(approve.locator(".help-block")).to_have_text(
        f"申请延期3个工作日：入户管道需整体更换，管材到货需三个工作日。（{OFFICER}）"
    )
    approve.get_by_label("审核意见").fill("同意延期。")
    approve.get_by_role("button", name="批准延期").click()

    expect_message(dispatcher, "已批准延期3个工作日。")
    expect(dispatcher.locator('[data-field="extension"]')).to_have_text(
        f"原办结时限 {local(original)}，已批准延期 3 个工作日"
    )
    deadlines = dispatcher.locator("section[aria-label=工单信息] tr").filter(has_text="报到 / 反馈 / 办结时限")
    expect(deadlines).to_contain_text(f" / {local(new_due)}")
    expect(dispatcher.locator('tr[data-extension="approved"] td').nth(4)).to_have_text(
        f"批准延期（3 个工作日，至 {local(new_due)}）"
    )
    loaded(dispatcher)
    shot(dispatcher, "approved")
    case.refresh_from_db()
    assert (case.complete_due, case.original_complete_due, case.extended_working_days) == (new_due, original, 3)


# --------------------------------------------------------------------------- 4. 黄牌, 红牌 and the 督办单


def test_cards_then_a_supervision_order_replied_and_closed(staff, open_page, shot):
    received = working_days_ago(10)
    case = story_case(now=received)
    both_units_report_in(case, staff)
    case.refresh_from_db()
    moments = card_moments(case.complete_due, HandlingPolicy.load())
    assert received < moments.yellow < moments.red < timezone.now()
    badge = f'tr[data-ticket="{case.ticket_number}"] [data-card]'

    sweep_overdue(now=moments.yellow)
    assert list(DeadlineCard.objects.filter(case=case).values_list("colour", flat=True)) == ["yellow"]
    officer = sign_in(open_page, staff["drain"])
    officer.goto("/admin/cases/")
    expect(officer.locator(badge)).to_have_text("黄牌")
    loaded(officer)
    shot(officer, "yellow")

    sweep_overdue(now=moments.red)
    order = SupervisionOrder.objects.get(case=case)
    assert order.number == f"DB-{case.ticket_number}-1-YQ"
    officer.reload()
    expect(officer.locator(badge)).to_have_text("红牌")
    expect(officer.locator(f'tr[data-ticket="{case.ticket_number}"]')).to_contain_text("已逾期")
    shot(officer, "red")

    officer.get_by_role("button", name="诉求工单").click()
    officer.get_by_role("link", name="督办单", exact=True).click()
    row = officer.locator(f'tr[data-order="{order.number}"] td')
    expect(row).to_have_text(
        [
            order.number,
            case.ticket_number,
            "逾期未办结（第1轮）",
            DRAIN,
            "泉城路街道",
            "待回复",
            local(moments.red),
            "—",
        ]
    )
    loaded(officer)
    shot(officer, "orders")
    row.nth(1).get_by_role("link").click()
    panel = officer.locator(f'[data-order="{order.number}"]')
    expect(panel).to_contain_text(f"{order.number} 逾期未办结（第1轮）· 被督办单位：{DRAIN} · 待回复")
    expect(officer.locator("[data-cards] [data-card-colour]")).to_have_count(2)
    panel.get_by_label("回复内容").fill("已组织疏通，今日完成；逾期系管材到货延误。")
    panel.get_by_role("button", name="回复督办单").click()
    expect_message(officer, f"已回复督办单{order.number}。")
    expect(panel).to_have_attribute("data-status", "replied")
    expect(panel.get_by_role("button", name="销号")).to_have_count(0)
    loaded(officer)

    supervisor = sign_in(open_page, staff["supervisor"])
    supervisor.goto("/admin/cases/supervision/?status=replied")
    expect(supervisor.locator(f'tr[data-order="{order.number}"] td').nth(5)).to_have_text("已回复")
    supervisor.get_by_role("link", name=case.ticket_number).click()
    panel = supervisor.locator(f'[data-order="{order.number}"]')
    expect(panel).to_contain_text("已组织疏通，今日完成；逾期系管材到货延误。")
    panel.get_by_label("销号意见").fill("经核实已疏通，同意销号。")
    panel.get_by_role("button", name="销号").click()
    expect_message(supervisor, f"督办单{order.number}已销号。")
    expect(panel).to_have_attribute("data-status", "closed")
    expect(panel).to_contain_text("经核实已疏通，同意销号。")
    loaded(supervisor)
    shot(supervisor, "closed")


# --------------------------------------------------------------------------- 5. 重复诉求 merged

MERGE_CONFIRM = "确定把本工单合并到所选工单吗？合并后本工单停止办理，无法撤销。"


@pytest.fixture
def repeated_report(staff) -> tuple[Case, Case]:
    """Two residents report the same blocked sewer at 芙蓉街16号, two hours apart; the second is flagged."""
    now = timezone.now()
    first = services.submit_case(story_submission(text=SEWER_TEXT), now=now - timedelta(hours=3)).case
    second = services.submit_case(
        story_submission(
            text="院门口下水道堵塞，污水外溢，走路都得绕着。", reporter_name="李建国", reporter_phone="13905318888"
        ),
        now=now - timedelta(hours=1),
    ).case
    assert (first.address, second.address, second.possible_duplicate_of_id) == (STORY_ADDRESS, STORY_ADDRESS, first.pk)
    return first, second


def fill_merge_form(page: Page, into: Case) -> None:
    merge = page.locator('form[data-action="merge"]')
    expect(merge.get_by_role("radio", name=re.compile(into.ticket_number))).to_be_checked()
    merge.get_by_label("确认合并").check()
    merge.get_by_label("说明").fill("同一院落同一处下水道。")


def test_dispatcher_merges_a_repeated_report_from_the_case_page(staff, repeated_report, open_page, shot):
    first, second = repeated_report
    dispatcher = sign_in(open_page, staff["dispatcher"])
    dispatcher.goto("/admin/cases/")
    dispatcher.get_by_label("疑似重复").check()
    dispatcher.get_by_role("button", name="筛选").click()
    expect(dispatcher.locator("[data-total]")).to_have_text("共 1 件")
    expect(dispatcher.locator(f'tr[data-ticket="{second.ticket_number}"] [data-duplicate]')).to_have_text("疑似重复")
    dispatcher.get_by_role("link", name=second.ticket_number).click()
    expect(dispatcher.locator('[data-field="possible_duplicate_of"]')).to_have_text(
        f"疑似重复 与 {first.ticket_number}（已派单）同类、同址或相近"
    )
    fill_merge_form(dispatcher, first)
    loaded(dispatcher)
    shot(dispatcher, "merge-form")

    # Accept the confirmation when it comes (whether it does is test_merge_asks_before_it_merges).
    dispatcher.on("dialog", lambda dialog: dialog.accept())
    dispatcher.locator('form[data-action="merge"]').get_by_role("button", name="合并到已有工单").click()
    expect_message(dispatcher, f"已合并到工单{first.ticket_number}。")
    expect(dispatcher.locator('[data-field="status"]')).to_have_text("已合并")
    expect(dispatcher.locator('[data-field="merged_into"]')).to_have_text(f"{first.ticket_number}（已派单）")
    loaded(dispatcher)
    shot(dispatcher, "merged")

    dispatcher.locator('[data-field="merged_into"]').get_by_role("link").click()
    expect(dispatcher.locator('[data-field="repeat_count"]')).to_have_text(f"1 次（{second.ticket_number}）")
    dispatcher.goto("/admin/cases/")
    expect(dispatcher.locator(f'tr[data-ticket="{first.ticket_number}"] [data-repeat]')).to_have_text("重复反映1次")
    expect(dispatcher.locator(f'tr[data-ticket="{second.ticket_number}"] td').nth(1)).to_have_text("已合并")
    loaded(dispatcher)
    shot(dispatcher, "repeat")


def test_merge_asks_before_it_merges(staff, repeated_report, open_page):
    first, second = repeated_report
    dispatcher = sign_in(open_page, staff["dispatcher"])
    open_case(dispatcher, second)
    fill_merge_form(dispatcher, first)
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    dispatcher.on("dialog", dismiss)
    dispatcher.locator('form[data-action="merge"]').get_by_role("button", name="合并到已有工单").click()
    dispatcher.wait_for_load_state()
    assert asked == [MERGE_CONFIRM]
    second.refresh_from_db()
    assert (second.status, second.merged_into_id) == ("dispatched", None)


# --------------------------------------------------------------------------- 6. 考核统计


def test_scores_count_returns_extensions_cards_and_orders(staff, open_page, shot):
    received = working_days_ago(10)
    overdue = story_case(now=received)
    both_units_report_in(overdue, staff)
    overdue.refresh_from_db()
    sweep_overdue(now=card_moments(overdue.complete_due, HandlingPolicy.load()).red + timedelta(hours=1))
    returned = story_case(address="历下区泉城路街道芙蓉街18号")
    returns.request_return(lead_of(returned), actor=staff["drain"], reason_code=NOT_OURS, note="属物业自管管网。")
    extended = story_case(address="历下区泉城路街道芙蓉街20号")
    services.acknowledge(lead_of(extended), actor=staff["drain"])
    record = extensions.request_extension(extended, actor=staff["drain"], working_days=3, reason="管材到货需三天。")
    extensions.approve_extension(record, actor=staff["dispatcher"])
    assert ExtensionRequest.objects.get().state == "approved"

    supervisor = sign_in(open_page, staff["supervisor"])
    supervisor.get_by_role("button", name="诉求工单").click()
    supervisor.get_by_role("link", name="考核统计", exact=True).click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("考核统计")
    today = timezone.localdate()
    scores = compute_scores(today - timedelta(days=29), today, now=timezone.now())
    drain = next(r for r in scores.departments if r.name == DRAIN)
    assert (drain.returns, drain.extensions, drain.extension_days) == (1, 1, 3)
    assert (drain.yellow_cards, drain.red_cards, drain.supervision_orders) == (1, 1, 1)
    # Each red card costs 2 points and each 督办单 5.
    undeducted = replace(drain, red_cards=0, supervision_orders=0).composite_score
    assert round(undeducted - drain.composite_score, 1) == 7.0

    for table, name in (("部门考核", DRAIN), ("街道（镇）考核", "泉城路街道")):
        found = supervisor.locator(f'h2:text-is("{table}") + .table-scroll table tr[data-name="{name}"]')
        expect(found.locator("th")).to_have_text(name)
        row = found.locator("td")
        expect(row.nth(8)).to_have_text("1")  # 退单
        expect(row.nth(9)).to_have_text("1／3")  # 延期（次／工作日）
        expect(row.nth(10)).to_have_text("1")  # 黄牌
        expect(row.nth(11)).to_have_text("1")  # 红牌
        expect(row.nth(12)).to_have_text("1")  # 督办单
    composite = supervisor.locator(f'tr[data-name="{DRAIN}"] [data-composite]').first
    expect(composite).to_have_text(str(drain.composite_score))
    loaded(supervisor)
    shot(supervisor, "scores")
