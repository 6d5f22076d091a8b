"""Training data in the database, the stored model, and the live snapshot that picks it up."""

from __future__ import annotations

import pytest

from classifier.models import ClassifierVersion
from classifier.services import train_and_store, training_inputs
from cms.models import (
    ClassifierSettings,
    ConfigStamp,
    ExampleRequest,
    ExampleStatus,
    HistoricalCase,
    RequestCategory,
    RuleBook,
    RulesetVersion,
)
from rules.loader import LiveConfig, config_from_database
from rules.services import decide_request, simulate

pytestmark = pytest.mark.django_db


def test_the_case_history_is_imported_with_the_district_once(reference_data):
    history = next(f for f in reference_data.files if f.file == "case_history.jsonl")
    assert history.counts["created"] == 1300
    assert HistoricalCase.objects.count() == 1300
    first = HistoricalCase.objects.get(code="h-0001")
    assert (first.category.code, first.urgent, first.request_type) == ("cat-heat-cold", False, "投诉")
    assert HistoricalCase.objects.filter(category__isnull=True).count() == 39

    from django.conf import settings

    from cms.importing import import_reference

    again = import_reference(settings.REFERENCE_DATA_DIR)
    history = next(f for f in again.files if f.file == "case_history.jsonl")
    assert (history.counts["created"], history.counts["unchanged"]) == (0, 1300)


def test_only_confirmed_examples_are_trained_on(reference_data):
    leaf = RequestCategory.objects.get(code="cat-heat-cold")
    ExampleRequest.objects.create(category=leaf, text="暖气片冰凉冰凉的", status=ExampleStatus.ACTIVE)
    ExampleRequest.objects.create(category=leaf, text="候选的说法", status=ExampleStatus.CANDIDATE)
    ExampleRequest.objects.create(category=leaf, text="停用的说法", status=ExampleStatus.RETIRED)
    inputs = training_inputs()
    assert inputs.counts == {"history": 1300, "examples": 1, "categories": 51}
    assert sum(1 for e in inputs.examples if e.text == "暖气片冰凉冰凉的") == 1
    assert not any(e.text in ("候选的说法", "停用的说法") for e in inputs.examples)


def test_training_stores_a_version_that_every_process_loads(reference_data, django_capture_on_commit_callbacks):
    live = LiveConfig(refresh_seconds=0)
    before = live.get()
    assert before.text_model is None and before.model_version == ""
    stamp = ConfigStamp.current()

    with django_capture_on_commit_callbacks(execute=True):
        version = train_and_store()
    assert version.number == 1 and len(version.sha256) == 64
    assert version.metrics["category_accuracy_cv"] > 0.8
    assert ConfigStamp.current() == stamp + 1

    config = live.get()
    assert config.model_version == version.label
    assert config.text_model.sha256 == version.sha256
    decision = decide_request(
        {"type": "投诉", "text": "楼顶私自加盖了一间彩钢房", "address": "历下区泉城路街道芙蓉街16号"}, config=config
    )
    assert (decision.category, decision.model_version, decision.ruleset_version) == (
        "cat-city-illegal-build",
        version.label,
        config.version,
    )

    shown = simulate({"type": "投诉", "text": "楼顶私自加盖了一间彩钢房", "address": "历下区泉城路街道芙蓉街16号"})
    assert shown.decision.model_version == version.label
    assert shown.suggestions[0]["code"] == "cat-city-illegal-build"
    assert shown.suggestions[0]["name"] == "城市管理 / 违法建设"
    assert shown.suggestions[0]["words"]

    with django_capture_on_commit_callbacks(execute=True):
        same = train_and_store()
    assert same.pk == version.pk and ClassifierVersion.objects.count() == 1


def test_the_confidence_threshold_comes_from_the_cms(reference_data):
    settings = ClassifierSettings.load()
    settings.auto_dispatch_confidence = 0.8
    settings.save()
    assert config_from_database().auto_dispatch_confidence == 0.8


def test_publishing_a_ruleset_version_enqueues_training(reference_data, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="classifier.tasks.train_classifier")
    before = set(queued.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        RulesetVersion.objects.create(number=99, book=RuleBook.objects.get(), content={"routing": []})
    assert [r.args_kwargs["args"] for r in queued.exclude(pk__in=before)] == [["publish"]]
