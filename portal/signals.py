"""Forget the cached home-page blocks when a content page is published or unpublished."""

from __future__ import annotations

from typing import Any

from .content import forget_cached_content


def content_changed(sender: Any, **kwargs: Any) -> None:
    forget_cached_content()


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished

    page_published.connect(content_changed, dispatch_uid="portal-content-published")
    page_unpublished.connect(content_changed, dispatch_uid="portal-content-unpublished")
