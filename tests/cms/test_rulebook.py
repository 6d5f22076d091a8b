import json

from django.urls import reverse

from cms.importing import import_reference
from cms.models import ConfigStamp, Grid, RoutingRule, RuleBook, RulesetVersion
from cms.models.rulebook import rulebook_content
from tests.conftest import REFERENCE_DIR


def test_reference_rules_become_published_version_one(reference_data):
    book = RuleBook.objects.get()
    assert book.live and not book.has_unpublished_changes
    version = RulesetVersion.objects.get()
    assert version.number == 1
    reference = json.loads((REFERENCE_DIR / "rules.json").read_text(encoding="utf-8"))
    assert [row["id"] for row in version.content["routing"]] == [row["id"] for row in reference["routing"]]
    whistle = next(r for r in version.content["routing"] if r["id"] == "route-multi-department-whistle")
    assert whistle == {
        "id": "route-multi-department-whistle",
        "priority": 30,
        "description": reference["routing"][1]["description"],
        "when": {"departments_involved_gte": 2},
        "then": {
            "lead": "$first_mentioned_department",
            "co_handlers": ["$other_mentioned_departments"],
            "whistle": True,
        },
    }
    assert version.content["escalation"]["cap"] == 4
    assert [lv["code"] for lv in version.content["escalation"]["levels"]] == [
        "grid",
        "alley_chief",
        "street_chief",
        "subdistrict_whistle",
        "district_supervision",
    ]


def test_publishing_a_change_makes_a_new_version(reference_data):
    book = RuleBook.objects.get()
    rule = book.routing_rules.get(code="route-repeat-complaint")
    rule.when_repeat_count_gte = 4
    rule.save()
    revision = book.save_revision()
    assert RulesetVersion.objects.count() == 1  # a draft is not a version
    revision.publish()
    latest = RulesetVersion.objects.order_by("-number").first()
    assert latest.number == 2
    row = next(r for r in latest.content["routing"] if r["id"] == "route-repeat-complaint")
    assert row["when"]["repeat_count_gte"] == 4


def test_reimport_of_unchanged_rules_makes_no_version(reference_data):
    import_reference(REFERENCE_DIR)
    assert RulesetVersion.objects.count() == 1


def test_disabled_rows_are_not_part_of_the_content(reference_data):
    book = RuleBook.objects.get()
    RoutingRule.objects.filter(code="route-neighbor-dispute").update(enabled=False)
    codes = [r["id"] for r in rulebook_content(RuleBook.objects.get(pk=book.pk))["routing"]]
    assert "route-neighbor-dispute" not in codes


def test_config_stamp_advances_after_commit(reference_data, django_capture_on_commit_callbacks):
    before = ConfigStamp.current()
    with django_capture_on_commit_callbacks(execute=True):
        grid = Grid.objects.first()
        grid.households += 1
        grid.save()
        assert ConfigStamp.current() == before  # not before the commit
    assert ConfigStamp.current() == before + 1


def test_rule_book_edit_page_offers_lists_not_codes(admin_client_zh):
    book = RuleBook.objects.get()
    html = admin_client_zh.get(reverse("wagtailsnippets_cms_rulebook:edit", args=[book.pk])).content.decode()
    assert "历下区排水服务中心" in html  # departments to pick as lead / co-handler
    assert "泉韵镇" in html  # subdistricts to pick
    assert "文本中首先提到的部门" in html
