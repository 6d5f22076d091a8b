"""What a configuration version holds and how two versions differ, in the words administrators read."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import RequestCategory, TimeLimitRule

# Models whose edits change routing or deadlines: drafts until another person approves (cms.models.approval).
FOUR_EYES_MODELS: tuple[type[models.Model], ...] = (RequestCategory, TimeLimitRule)
# Bookkeeping fields of Wagtail's draft, revision and lock mixins.
SKIP = {
    "id",
    "live",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "live_revision",
    "latest_revision",
    "go_live_at",
    "expire_at",
    "expired",
    "locked",
    "locked_at",
    "locked_by",
}
EMPTY = "（空）"


def display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def versioned_content(instance: models.Model) -> dict[str, str]:
    """Each editable field as shown to people: choice labels, related objects' names, 是/否, lists with 、."""
    content = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIP:
            continue
        if field.choices:
            value = getattr(instance, f"get_{field.name}_display")()
        elif field.is_relation:
            value = getattr(instance, field.name)
        else:
            value = getattr(instance, field.attname)
        content[field.name] = display(value)
    return content


def describe_changes(model: type[models.Model], old: dict[str, str] | None, new: dict[str, str]) -> list[list[str]]:
    """[[field label, old, new], …] for the fields that changed; a first version lists nothing."""
    if old is None:
        return []
    labels = {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}
    return [
        [labels.get(name, name), old.get(name, EMPTY), value] for name, value in new.items() if old.get(name) != value
    ]
