"""Re-indexing follows publishing: Wagtail's publish and unpublish signals, deletes, and synonym edits;
synonym and promotion edits also advance the configuration stamp that every process polls.

Saving a draft sends none of these, so drafts never reach the index.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from cms.models import ConfigStamp, Department, ServiceItemPage

from . import runtime, tasks
from .indexing import INDEXED_PAGE_TYPES
from .models import SearchPromotion, SearchSynonym


def page_published_or_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    tasks.schedule_index([instance.pk])


def page_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    tasks.schedule_delete([instance.code])


def page_code_changing(sender: Any, instance: Any, update_fields: Any = None, raw: bool = False, **kwargs: Any) -> None:
    """A live page saved with a new code: the document under the old code must go."""
    if raw or instance.pk is None or (update_fields is not None and "code" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk, live=True).values_list("code", flat=True).first()
    if old and old != instance.code:
        tasks.schedule_delete([old])
        tasks.schedule_index([instance.pk])


def synonyms_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    # Index-time segmentation uses the synonym words too, and Elasticsearch keeps synonyms in
    # the index settings: only a rebuild applies an edit fully.
    if not raw:
        tasks.schedule_rebuild()


def search_config_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    """Other processes notice through the configuration stamp; this one at once, and again after commit."""
    if raw:
        return
    runtime.mark_changed()
    transaction.on_commit(runtime.mark_changed)
    ConfigStamp.bump()


def department_saved(
    sender: Any, instance: Department, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """Service items carry their department's code and name; re-index them when those may have changed."""
    if raw or (update_fields is not None and not {"code", "name"} & set(update_fields)):
        return
    ids = list(ServiceItemPage.objects.live().filter(department=instance).values_list("pk", flat=True))
    tasks.schedule_index(ids)


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished

    for model in INDEXED_PAGE_TYPES:
        name = model.__name__
        page_published.connect(page_published_or_unpublished, sender=model, dispatch_uid=f"search-published-{name}")
        page_unpublished.connect(page_published_or_unpublished, sender=model, dispatch_uid=f"search-unpublished-{name}")
        post_delete.connect(page_deleted, sender=model, dispatch_uid=f"search-deleted-{name}")
        pre_save.connect(page_code_changing, sender=model, dispatch_uid=f"search-code-{name}")
    post_save.connect(synonyms_changed, sender=SearchSynonym, dispatch_uid="search-synonym-saved")
    post_delete.connect(synonyms_changed, sender=SearchSynonym, dispatch_uid="search-synonym-deleted")
    for model in (SearchSynonym, SearchPromotion):
        name = model.__name__
        post_save.connect(search_config_changed, sender=model, dispatch_uid=f"search-config-saved-{name}")
        post_delete.connect(search_config_changed, sender=model, dispatch_uid=f"search-config-deleted-{name}")
    post_save.connect(department_saved, sender=Department, dispatch_uid="search-department-saved")
