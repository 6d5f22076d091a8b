import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cms.importing import ReferenceImportError, import_reference
from cms.models import (
    Address,
    CalendarDay,
    CalendarYear,
    Department,
    Grid,
    PolicyPage,
    RequestCategory,
    ServiceItemPage,
    StaffMember,
    StaffRole,
    TimeLimitRule,
)
from tests.conftest import REFERENCE_DIR


def test_import_counts_equal_reference_files(reference_data):
    assert Grid.objects.count() == 37
    assert Address.objects.count() == 340
    assert Department.objects.count() == 19
    assert RequestCategory.objects.leaves().count() == 51
    assert RequestCategory.objects.top_level().count() == 13
    assert ServiceItemPage.objects.live().count() == 76
    assert PolicyPage.objects.live().count() == 10
    assert TimeLimitRule.objects.count() == 10
    assert StaffMember.objects.filter(role=StaffRole.GRID_LEADER).count() == 37
    assert set(CalendarDay.objects.filter(date__year=2026, is_working_day=True).values_list("date", flat=True)) == {
        date.fromisoformat(d)
        for d in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    }
    assert CalendarYear.objects.get(year=2026).status == "official"


def test_first_import_reports_created_rows_per_file(reference_data):
    by_file = {f.file: f.counts for f in reference_data.files}
    assert by_file["departments.json"]["created"] == 19
    assert by_file["services.json"]["created"] == 76
    assert by_file["policies.json"]["created"] == 10
    assert by_file["categories.json"]["created"] == 64


def test_second_import_changes_nothing(reference_data):
    grid = Grid.objects.get(code="grid-furongli-01")
    revisions = ServiceItemPage.objects.get(code="svc-dibao-apply").revisions.count()
    summary = import_reference(REFERENCE_DIR)
    assert not summary.changed
    assert summary.totals()["created"] == 0 and summary.totals()["updated"] == 0
    assert Grid.objects.get(code="grid-furongli-01").pk == grid.pk
    assert ServiceItemPage.objects.get(code="svc-dibao-apply").revisions.count() == revisions


def _copy_reference(tmp_path: Path) -> Path:
    target = tmp_path / "jinan"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_edited_file_updates_only_what_changed(reference_data, tmp_path):
    directory = _copy_reference(tmp_path)

    def change(data):
        data["district"]["subdistricts"][0]["communities"][0]["grids"][0]["households"] = 377

    _edit(directory / "regions.json", change)
    _edit(directory / "services.json", lambda d: d["services"][0].update(fee="每次5元"))
    summary = import_reference(directory, overwrite=True)
    by_file = {f.file: f.counts for f in summary.files}
    assert by_file["regions.json"]["updated"] == 1
    assert by_file["services.json"]["updated"] == 1
    assert by_file["policies.json"]["updated"] == 0
    assert Grid.objects.get(code="grid-furongli-01").households == 377
    page = ServiceItemPage.objects.get(code=json.loads((directory / "services.json").read_text())["services"][0]["id"])
    assert page.fee == "每次5元" and page.live and not page.has_unpublished_changes


def test_broken_file_imports_nothing_and_names_file_id_field(reference_data, tmp_path):
    directory = _copy_reference(tmp_path)

    def grow_grid(data):
        data["district"]["subdistricts"][0]["communities"][0]["grids"][0]["households"] = 999

    _edit(directory / "regions.json", grow_grid)
    _edit(directory / "services.json", lambda d: d["services"][3].update(department="dept-nowhere"))
    before = Grid.objects.get(code="grid-furongli-01").households
    with pytest.raises(ReferenceImportError) as excinfo:
        import_reference(directory)
    error = excinfo.value
    assert (error.file, error.record_id, error.field_name) == ("services.json", "svc-tekun", "department")
    assert "dept-nowhere" in str(error)
    assert Grid.objects.get(code="grid-furongli-01").households == before


@pytest.mark.parametrize(
    ("file", "change", "where"),
    [
        (
            "regions.json",
            lambda d: d["district"]["subdistricts"][1]["communities"][0]["grids"][0].pop("name"),
            "name",
        ),
        (
            "categories.json",
            lambda d: d["categories"][0]["children"][0].update(default_lead="dept-x"),
            "default_lead",
        ),
        ("sla.json", lambda d: d["rows"][0].update(ack_hours="24"), "ack_hours"),
        ("policies.json", lambda d: d["policies"][0].update(published="2019/09/10"), "published"),
    ],
)
def test_invalid_records_are_named(reference_data, tmp_path, file, change, where):
    directory = _copy_reference(tmp_path)
    _edit(directory / file, change)
    with pytest.raises(ReferenceImportError) as excinfo:
        import_reference(directory)
    assert excinfo.value.file == file
    assert excinfo.value.field_name == where


def test_invalid_json_names_the_file(reference_data, tmp_path):
    directory = _copy_reference(tmp_path)
    (directory / "departments.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(ReferenceImportError, match=r"departments\.json"):
        import_reference(directory)


def test_command_prints_a_line_per_file_and_a_summary(reference_data, capsys):
    call_command("import_reference", str(REFERENCE_DIR))
    out = capsys.readouterr().out
    for name in [
        "regions.json",
        "departments.json",
        "categories.json",
        "services.json",
        "policies.json",
        "sla.json",
    ]:
        assert f"{name}: 新增 0，更新 0" in out
    assert "完成（无变化）" in out


def test_command_fails_cleanly_on_missing_directory(reference_data, tmp_path):
    with pytest.raises(CommandError, match="数据库未做任何修改"):
        call_command("import_reference", str(tmp_path / "missing"))
