from __future__ import annotations

from ..models import Notice


class InAppBackend:
    """The notice row is the in-app message; there is nothing to send."""

    def send(self, notice: Notice) -> str:
        return ""
