"""Train the classifier from the database and hand the live model to every process.

Training runs off the request path (``manage.py train_classifier``, or the task worker after a
rule-book publish). Storing a new version bumps the configuration stamp, so every process
rebuilds its rules snapshot, and with it loads the new model, within about a second
(docs/adr/0002).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from cms.models import ConfigStamp, ExampleRequest, ExampleStatus, HistoricalCase, RequestCategory, RulesetVersion

from .model import ArtefactError, TextModel
from .models import ClassifierVersion
from .training import CategoryDescription, LabelledText, train

logger = logging.getLogger(__name__)


class TrainingError(RuntimeError):
    """Nothing to learn from, or training failed; the previous model stays live."""


@dataclass(frozen=True)
class TrainingInputs:
    examples: list[LabelledText]
    categories: list[CategoryDescription]
    counts: dict[str, int]


def training_inputs() -> TrainingInputs:
    """The case history, the confirmed examples and the category tree as it is now."""
    leaves = RequestCategory.objects.filter(parent__isnull=False).select_related("parent").order_by("code")
    categories = [
        CategoryDescription(
            code=c.code,
            name=c.name,
            parent_name=c.parent.name,
            keywords=tuple(c.keywords),
            urgent_keywords=tuple(c.urgent_keywords),
        )
        for c in leaves
    ]
    history = [
        LabelledText(text, category, urgent, tuple(secondary or ()))
        for text, category, urgent, secondary in HistoricalCase.objects.values_list(
            "text", "category__code", "urgent", "secondary_categories"
        )
    ]
    examples = [
        LabelledText(text, category, urgent)
        for text, category, urgent in ExampleRequest.objects.filter(status=ExampleStatus.ACTIVE).values_list(
            "text", "category__code", "urgent"
        )
    ]
    counts = {"history": len(history), "examples": len(examples), "categories": len(categories)}
    return TrainingInputs(history + examples, categories, counts)


def train_and_store(
    trigger: str = ClassifierVersion.Trigger.COMMAND, progress: Callable[[str], None] | None = None
) -> ClassifierVersion:
    """Train on what the database holds now and store it as the next version (same content: the latest)."""
    inputs = training_inputs()
    if not inputs.categories:
        raise TrainingError("没有诉求分类，无法训练分类模型。请先导入或配置诉求分类。")
    if not inputs.examples:
        raise TrainingError("没有历史诉求或启用的示例诉求，无法训练分类模型。")
    trained = train(inputs.examples, inputs.categories, progress=progress)
    ruleset = RulesetVersion.objects.aggregate(n=Max("number"))["n"]
    with transaction.atomic():
        latest = ClassifierVersion.objects.select_for_update().order_by("-number").first()
        if latest is not None and latest.sha256 == trained.sha256:
            return latest
        version = ClassifierVersion.objects.create(
            number=(latest.number + 1) if latest else 1,
            ruleset_version=ruleset,
            sha256=trained.sha256,
            artefact=trained.artefact,
            metrics=trained.metrics,
            training_counts=inputs.counts,
            trigger=trigger,
        )
        ConfigStamp.bump()
    return version


class _ModelCache:
    """One loaded model per process, keyed by version; a new version loads once, an old one is dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, str] | None = None
        self._model: TextModel | None = None

    def latest(self) -> tuple[TextModel | None, str]:
        row = ClassifierVersion.objects.order_by("-number").values("pk", "number", "sha256").first()
        if row is None:
            return None, ""
        key = (row["pk"], row["sha256"])
        label = f"m{row['number']}-{row['sha256'][:8]}"
        with self._lock:
            if key != self._key:
                data = ClassifierVersion.objects.values_list("artefact", flat=True).get(pk=row["pk"])
                try:
                    model = TextModel(bytes(data))
                except ArtefactError:
                    logger.exception("分类模型 %s 无法加载，按关键词派单", label)
                    return None, ""
                if model.sha256 != row["sha256"]:
                    logger.error("分类模型 %s 的内容摘要不符，不予加载", label)
                    return None, ""
                self._key, self._model = key, model
            return self._model, label


models_cache = _ModelCache()


def live_model() -> tuple[TextModel | None, str]:
    """The newest stored model and its version label, loaded once per process."""
    return models_cache.latest()
