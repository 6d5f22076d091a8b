"""Delivery backends: each sends one ``Notice`` and returns the provider's message id, or raises."""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ..models import Notice, NoticeChannel

DEFAULTS = {
    NoticeChannel.IN_APP: "notify.backends.inapp.InAppBackend",
    NoticeChannel.EMAIL: "notify.backends.email.EmailBackend",
    NoticeChannel.SMS: "notify.backends.sms.ConsoleSmsBackend",
}


class DeliveryError(Exception):
    """The provider refused or could not be reached; the task records it and may retry."""


class Backend(Protocol):
    def send(self, notice: Notice) -> str: ...


@cache
def backend_for(channel: str) -> Backend:
    path = getattr(settings, "NOTIFY_BACKENDS", {}).get(channel) or DEFAULTS[NoticeChannel(channel)]
    return import_string(path)()
