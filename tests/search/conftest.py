"""Search fixtures: the reference documents and one in-memory index, built once per session.

Building an index loads jieba's dictionary and pypinyin (about a second), so tests share it
and only mutate it with documents they add and remove themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from search.backends.embedded import EmbeddedBackend
from search.documents import SearchDocument, load_category_terms, load_reference_documents

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "jinan"


@pytest.fixture(scope="session")
def reference_docs() -> list[SearchDocument]:
    return load_reference_documents(DATA_DIR)


@pytest.fixture(scope="session")
def category_terms() -> list[str]:
    return load_category_terms(DATA_DIR)


@pytest.fixture(scope="session")
def reference_backend(reference_docs, category_terms) -> EmbeddedBackend:
    backend = EmbeddedBackend(None, extra_terms=category_terms)
    backend.index(reference_docs)
    backend.analyzer.warm_up()
    return backend


@pytest.fixture(scope="session")
def analyzer(reference_backend):
    return reference_backend.analyzer
