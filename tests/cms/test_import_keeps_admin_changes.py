"""A re-import on a configured database never reverts what administrators changed (issue #13)."""

import pytest
from django.core.management import call_command
from wagtail.models import WorkflowState

from cms.importing import import_reference
from cms.models import (
    Grid,
    RequestCategory,
    RoutingRule,
    RuleBook,
    RulesetVersion,
    StaffMember,
    StaffRole,
    TimeLimitRule,
)
from tests.conftest import REFERENCE_DIR

GRID = "grid-furongli-01"


@pytest.fixture
def admin_changes(reference_data):
    """What the issue saw reverted: a keyword, a time limit, a grid worker and a published routing row."""
    category = RequestCategory.objects.leaves().order_by("code").first()
    category.keywords = [*category.keywords, "管理员加的词"]
    category.save()
    TimeLimitRule.objects.filter(request_type="投诉", urgency="normal").update(complete_working_days=7)
    grid = Grid.objects.get(code=GRID)
    StaffMember.objects.create(name="新网格员", phone="13800000000", role=StaffRole.GRID_WORKER, grid=grid)
    book = RuleBook.objects.get().get_latest_revision_as_object()
    book.routing_rules.add(RoutingRule(code="route-admin-added", priority=5, when_keywords=["井盖"], then_urgent=True))
    book.save_revision().publish()
    return category


def _state(category):
    return {
        "keywords": RequestCategory.objects.get(pk=category.pk).keywords,
        "limit": TimeLimitRule.objects.get(request_type="投诉", urgency="normal").complete_working_days,
        "workers": list(
            StaffMember.objects.filter(grid__code=GRID, role=StaffRole.GRID_WORKER).values_list("name", flat=True)
        ),
        "live_rows": sorted(RuleBook.objects.get().routing_rules.values_list("code", flat=True)),
    }


def test_reimport_keeps_admin_changes_and_reports_them(admin_changes):
    before = _state(admin_changes)
    versions = RulesetVersion.objects.count()
    summary = import_reference(REFERENCE_DIR)
    assert _state(admin_changes) == before
    assert "管理员加的词" in before["keywords"] and before["limit"] == 7 and "新网格员" in before["workers"]
    assert "route-admin-added" in before["live_rows"]
    assert summary.totals()["updated"] == 0
    assert summary.totals()["differs"] == 3 and summary.totals()["drafted"] == 1
    text = "\n".join(summary.differences)
    assert f"诉求分类 {admin_changes.code}：keywords（保留数据库中的值）" in text
    assert "complete_working_days" in text
    assert f"{GRID} 的网格员名单" in text
    # The rule book: no publish, no new version; the reference becomes a draft awaiting approval.
    assert RulesetVersion.objects.count() == versions
    book = RuleBook.objects.get()
    assert book.live and book.has_unpublished_changes
    draft_rows = [r.code for r in book.get_latest_revision_as_object().routing_rules.all()]
    assert "route-admin-added" not in draft_rows
    assert WorkflowState.objects.filter(object_id=str(book.pk), status=WorkflowState.STATUS_IN_PROGRESS).count() == 1


def test_second_reimport_adds_no_second_draft(admin_changes):
    import_reference(REFERENCE_DIR)
    revisions = RuleBook.objects.get().revisions.count()
    summary = import_reference(REFERENCE_DIR)
    assert RuleBook.objects.get().revisions.count() == revisions
    assert not summary.changed
    assert "草稿已在等待审批" in "\n".join(summary.differences)


def test_admin_draft_is_kept_without_overwrite(reference_data):
    book = RuleBook.objects.get().get_latest_revision_as_object()
    book.escalation_cap = 3
    book.save_revision()
    revisions = book.revisions.count()
    summary = import_reference(REFERENCE_DIR)
    assert RuleBook.objects.get().revisions.count() == revisions
    assert RuleBook.objects.get().get_latest_revision_as_object().escalation_cap == 3
    assert "已有未发布的草稿" in "\n".join(summary.differences)


def test_overwrite_replaces_rows_but_rules_stay_a_draft(admin_changes):
    versions = RulesetVersion.objects.count()
    summary = import_reference(REFERENCE_DIR, overwrite=True)
    state = _state(admin_changes)
    assert "管理员加的词" not in state["keywords"]
    assert state["limit"] != 7
    assert "新网格员" not in state["workers"]
    assert summary.totals()["updated"] == 3 and summary.totals()["drafted"] == 1
    assert "route-admin-added" in state["live_rows"]  # still live until someone approves the draft
    assert RulesetVersion.objects.count() == versions


def test_missing_rows_are_added(reference_data):
    Grid.objects.get(code=GRID).addresses.all().delete()
    summary = import_reference(REFERENCE_DIR)
    assert Grid.objects.get(code=GRID).addresses.count() > 0
    assert summary.totals()["created"] == Grid.objects.get(code=GRID).addresses.count()


def test_command_reports_differences_and_the_flag(admin_changes, capsys):
    call_command("import_reference", str(REFERENCE_DIR))
    out = capsys.readouterr().out
    assert "与参考数据不同的记录 4 条" in out
    assert "--overwrite" in out


def test_demo_step_skips_a_configured_database(admin_changes, capsys):
    before = _state(admin_changes)
    revisions = RuleBook.objects.get().revisions.count()
    call_command("import_reference", "--only-if-empty")
    assert "跳过演示数据导入" in capsys.readouterr().out
    assert _state(admin_changes) == before
    assert RuleBook.objects.get().revisions.count() == revisions
