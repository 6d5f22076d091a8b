"""Side effects of configuration edits: a new ruleset version on publish, and a change stamp."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save

from .models import (
    Address,
    Alley,
    CalendarVersion,
    ClassifierSettings,
    Community,
    Department,
    Grid,
    RequestCategory,
    RuleBook,
    RulesetVersion,
    Street,
    Subdistrict,
    TimeLimitRule,
)
from .models.rulebook import rulebook_content
from .models.stamp import ConfigStamp

# Models whose rows feed routing decisions; editing any of them must reach running processes.
DECISION_INPUTS = (
    Address,
    Alley,
    CalendarVersion,
    ClassifierSettings,
    Community,
    Department,
    Grid,
    RequestCategory,
    Street,
    Subdistrict,
    TimeLimitRule,
)


def bump_config_stamp(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    ConfigStamp.bump()


def record_ruleset_version(sender: Any, instance: RuleBook, revision: Any = None, **kwargs: Any) -> None:
    """Freeze what was just published as the next version number."""
    with transaction.atomic():
        # Lock the book row so that two simultaneous publishes get distinct numbers.
        RuleBook.objects.select_for_update().filter(pk=instance.pk).first()
        number = (RulesetVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        RulesetVersion.objects.create(
            number=number,
            book=instance,
            revision=revision,
            published_by=getattr(revision, "user", None),
            content=rulebook_content(instance),
        )
    ConfigStamp.bump()


def connect() -> None:
    from wagtail.signals import published

    for model in DECISION_INPUTS:
        post_save.connect(bump_config_stamp, sender=model, dispatch_uid=f"stamp-save-{model.__name__}")
        post_delete.connect(bump_config_stamp, sender=model, dispatch_uid=f"stamp-delete-{model.__name__}")
    published.connect(record_ruleset_version, sender=RuleBook, dispatch_uid="record-ruleset-version")
