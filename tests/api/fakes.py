"""Stand-ins for the search backend, so the API's contract is tested without an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FakeHit:
    code: str
    kind: str
    title: str
    snippet: str
    url: str
    score: float


@dataclass(frozen=True)
class FakeResult:
    hits: list[FakeHit]
    total: int
    corrected_query: str | None = None


class SearchFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class FakeBackend:
    hits: list[FakeHit] = field(default_factory=list)
    total: int | None = None
    corrected_query: str | None = None
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def search(self, query, kinds=None, filters=None, page=1, page_size=10):
        self.calls.append({"query": query, "kinds": kinds, "filters": filters, "page": page, "page_size": page_size})
        if self.error:
            raise self.error
        selected = [h for h in self.hits if not kinds or h.kind in kinds]
        total = self.total if self.total is not None else len(selected)
        return FakeResult(selected[:page_size], total, self.corrected_query)


BACKEND = FakeBackend()


def get_backend() -> FakeBackend:
    return BACKEND
