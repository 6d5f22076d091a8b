"""The rules as administrators configure them in the CMS: DB snapshot, route_preview, publish, admin."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from cms.models import RequestCategory, RoutingRule, RuleBook, RulesetVersion
from rules import loader
from rules.services import check_rule_book, decide_request, simulate
from tests import template_db

from .conftest import DEV_SET, read_dev_cases

DEV_CASES = read_dev_cases()


@pytest.fixture
def db_config(reference_data):
    loader.live.invalidate()
    yield loader.live_config()
    loader.live.invalidate()


@pytest.mark.parametrize("case", DEV_CASES, ids=[c["id"] for c in DEV_CASES])
def test_dev_line_from_database_rules(db_config, case):
    decision = decide_request(case["request"], case.get("history") or case["request"].get("history") or ())
    got = decision.to_dict()
    assert {key: got[key] for key in case["expect"]} == case["expect"]
    assert got["ruleset_version"] == 1


def test_route_preview_reads_file_and_writes_nothing(reference_data):
    versions = RulesetVersion.objects.count()
    out = io.StringIO()
    call_command("route_preview", str(DEV_SET), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == len(DEV_CASES)
    for case, line in zip(DEV_CASES, lines, strict=True):
        assert {k: line[k] for k in case["expect"]} == case["expect"], case["id"]
        assert set(line) >= {"fired_rules", "ruleset_version"}
    assert RulesetVersion.objects.count() == versions


def test_route_preview_reads_stdin(reference_data, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(DEV_CASES[1]["request"], ensure_ascii=False) + "\n"))
    out = io.StringIO()
    call_command("route_preview", stdout=out)
    line = json.loads(out.getvalue())
    assert line["lead"] == DEV_CASES[1]["expect"]["lead"]


def test_route_preview_rejects_bad_json(reference_data, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"type": "投诉"}\nnot json\n'))
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("route_preview", stdout=io.StringIO())


def test_category_keyword_edit_reaches_the_next_decision(db_config):
    request = {
        "type": "投诉",
        "text": "小区门口的共享单车乱停乱放，堵住了消防通道",
        "address": "历下区泉城路街道芙蓉街2号",
        "channel": "web",
        "received_at": "2026-03-10T09:00:00+08:00",
    }
    assert decide_request(request).category != "cat-city-vendor"
    leaf = RequestCategory.objects.get(code="cat-city-vendor")
    leaf.keywords = [*leaf.keywords, "共享单车乱停"]
    leaf.save()
    loader.live.invalidate()  # same as the stamp moving after commit in a running process
    assert decide_request(request).category == "cat-city-vendor"


def test_engine_failure_goes_to_manual_dispatch(db_config, monkeypatch):
    from rules import decision as decision_module

    def broken(*args, **kwargs):
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(decision_module, "route", broken)
    result = decide_request(DEV_CASES[0]["request"])
    assert result.needs_manual_dispatch is True
    assert result.reason


def test_missing_configuration_goes_to_manual_dispatch(monkeypatch):
    def unavailable():
        raise RuntimeError("database down")

    monkeypatch.setattr("rules.services.live_config", unavailable)
    result = decide_request(DEV_CASES[0]["request"])
    assert result.needs_manual_dispatch and "人工派单" in result.reason


def _draft_without_whistle_row() -> RuleBook:
    book = RuleBook.objects.get()
    RoutingRule.objects.filter(book=book, code="route-multi-department-whistle").update(then_whistle=False)
    book = RuleBook.objects.get(pk=book.pk)
    book.save_revision()
    return book


def test_simulator_compares_draft_and_live(reference_data):
    _draft_without_whistle_row()
    request = DEV_CASES[1]["request"]
    live = simulate(request, source="live")
    draft = simulate(request, source="draft")
    assert live.decision.whistle is True and draft.decision.whistle is False
    assert live.version_label == "v1" and draft.version_label == "草稿（未发布）"
    assert [row["id"] for row in live.fired] == list(live.decision.fired_rules)
    assert live.labels["lead"] == "历下区排水服务中心"


def test_simulator_page_shows_fired_rows(admin_client_zh):
    response = admin_client_zh.post(
        reverse("rules_simulate"),
        {
            "text": DEV_CASES[1]["request"]["text"],
            "request_type": "投诉",
            "address": DEV_CASES[1]["request"]["address"],
            "received_at": "2026-03-17 09:25:00",
            "channel": "12345",
            "source": "live",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "route-multi-department-whistle" in html
    assert "历下区排水服务中心" in html and "济南水务集团历下供水服务中心" in html
    assert "2026-03-24 23:59:59" in html


def test_simulator_form_errors_are_in_chinese(admin_client_zh):
    response = admin_client_zh.post(reverse("rules_simulate"), {"text": "路灯不亮", "request_type": "投诉"})
    assert response.status_code == 200
    assert "请填写地址，或同时填写经度和纬度" in response.content.decode()


def test_version_history_lists_versions(admin_client_zh):
    html = admin_client_zh.get(reverse("rules_versions")).content.decode()
    assert "v1" in html and "route-repeat-complaint" in html


def test_rule_book_edit_page_shows_pre_publish_checks(admin_client_zh):
    book = RuleBook.objects.get()
    RoutingRule.objects.create(book=book, code="catch-all", priority=10, then_lead="dept-urban")
    RoutingRule.objects.create(
        book=book, code="ghost", priority=15, when_categories=["cat-does-not-exist"], then_lead="dept-water"
    )
    book.save_revision()
    codes = {(f.row, f.code) for f in check_rule_book(book)}
    assert ("catch-all", "no_conditions") in codes
    assert ("ghost", "unknown_category") in codes
    html = admin_client_zh.get(reverse("wagtailsnippets_cms_rulebook:edit", args=[book.pk])).content.decode()
    assert 'data-rules-check="warnings"' in html
    assert "ghost" in html and "catch-all" in html


def test_reference_rule_book_passes_the_checks(reference_data):
    assert check_rule_book(RuleBook.objects.get()) == []


PROBE = r"""
import json, sys
from rules.services import decide_request
request = json.loads(sys.argv[-1])
for line in sys.stdin:
    d = decide_request(request)
    print(json.dumps({"version": d.ruleset_version, "lead": d.lead, "whistle": d.whistle}), flush=True)
"""

PUBLISH = r"""
from cms.models import RoutingRule, RuleBook
book = RuleBook.objects.get()
RoutingRule.objects.filter(book=book, code="route-multi-department-whistle").update(then_whistle=False)
RuleBook.objects.get(pk=book.pk).save_revision().publish()
"""


@pytest.mark.slow_subprocess
def test_publish_reaches_a_running_second_process(tmp_path):
    """A separate, already running process sees a publish within seconds, without restart."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path / 'second.sqlite3'}")
    manage = [sys.executable, "manage.py"]
    run = {"cwd": settings.BASE_DIR, "env": env, "capture_output": True, "text": True, "timeout": 300}
    template = template_db.sqlite_district_file()
    if template is not None:  # the session's saved district: the same schema and data, without a 15-90 s rebuild
        shutil.copyfile(template, tmp_path / "second.sqlite3")
    else:
        assert subprocess.run([*manage, "migrate", "-v0"], **run).returncode == 0
        reference = str(Path(settings.BASE_DIR) / "data/jinan")
        assert subprocess.run([*manage, "import_reference", reference], **run).returncode == 0
    request = json.dumps(DEV_CASES[1]["request"], ensure_ascii=False)
    probe = subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup();" + PROBE, request],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        probe.stdin.write("go\n")
        probe.stdin.flush()
        before = json.loads(probe.stdout.readline())
        assert before == {"version": 1, "lead": "dept-drain", "whistle": True}
        assert subprocess.run([*manage, "shell", "-c", PUBLISH], **run).returncode == 0
        after = before
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and after["version"] == 1:
            time.sleep(0.5)
            probe.stdin.write("go\n")
            probe.stdin.flush()
            after = json.loads(probe.stdout.readline())
        assert after == {"version": 2, "lead": "dept-drain", "whistle": False}
    finally:
        probe.kill()
        probe.wait()


def test_dashboard_flags_years_without_an_official_calendar(admin_client_zh, time_machine):
    time_machine.move_to("2026-12-01T10:00:00+08:00")
    loader.live.invalidate()
    html = admin_client_zh.get(reverse("wagtailadmin_home")).content.decode()
    assert "data-calendar-status" in html
    assert "2027年的官方节假日安排尚未录入" in html
    from cms.calendar import confirm_year, seed_year

    seed_year(2027)
    confirm_year(2027)
    loader.live.invalidate()
    html = admin_client_zh.get(reverse("wagtailadmin_home")).content.decode()
    assert "尚未录入" not in html
    assert "2026年、2027年已确认官方安排" in html
