"""Training on the task worker, after a rule-book publish (never on the request path)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def train_classifier(trigger: str = "publish") -> str:
    from .services import train_and_store

    return train_and_store(trigger).label


def train_after_publish(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    """A new ruleset version was published: train a model for it once the transaction commits."""
    if not created or raw:
        return

    def enqueue() -> None:
        try:
            train_classifier.enqueue("publish")
        except Exception:
            logger.exception("无法安排分类模型训练（规则版本 %s）；可运行 manage.py train_classifier", instance.number)

    transaction.on_commit(enqueue)
