"""Small search documents for tests that need content of their own."""

from __future__ import annotations

from search.documents import SearchDocument


def make_doc(code: str, title: str, **fields) -> SearchDocument:
    fields.setdefault("kind", "service")
    fields.setdefault("url", f"/services/{code}/")
    return SearchDocument(code=code, title=title, **fields)
