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
from .models.approval import ConfigVersion, approver_of
from .models.rulebook import rulebook_content
from .models.stamp import ConfigStamp
from .versions import FOUR_EYES_MODELS, describe_changes, versioned_content

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
            approved_by=approver_of(instance, revision) if revision is not None else None,
            content=rulebook_content(instance),
        )
    ConfigStamp.bump()


def record_config_version(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    """A published category or time limit becomes the object's next numbered version, with its changes."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(instance)
    content = versioned_content(instance)
    with transaction.atomic():
        previous = (
            ConfigVersion.objects.select_for_update()
            .filter(content_type=content_type, object_id=str(instance.pk))
            .order_by("-number")
            .first()
        )
        ConfigVersion.objects.create(
            content_type=content_type,
            object_id=str(instance.pk),
            object_label=str(instance)[:255],
            number=(previous.number + 1) if previous else 1,
            revision=revision,
            changed_by=getattr(revision, "user", None),
            approved_by=approver_of(instance, revision) if revision is not None else None,
            content=content,
            changes=describe_changes(type(instance), previous.content if previous else None, content),
        )


def connect() -> None:
    from wagtail.signals import published

    for model in DECISION_INPUTS:
        post_save.connect(bump_config_stamp, sender=model, dispatch_uid=f"stamp-save-{model.__name__}")
        post_delete.connect(bump_config_stamp, sender=model, dispatch_uid=f"stamp-delete-{model.__name__}")
    published.connect(record_ruleset_version, sender=RuleBook, dispatch_uid="record-ruleset-version")
    for model in FOUR_EYES_MODELS:
        published.connect(record_config_version, sender=model, dispatch_uid=f"record-config-version-{model.__name__}")
