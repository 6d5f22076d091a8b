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


# -- the Django side: an index built from the imported CMS pages ----------------------------------

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _index_from_pages() -> EmbeddedBackend:
    """A new in-memory backend filled the way ``search_index --rebuild`` fills the real one."""
    from search import backends, runtime
    from search.services import rebuild_index

    backend = EmbeddedBackend(None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backends, "_backend", backend)
        rebuild_index()
    runtime.forget()
    return backend


@pytest.fixture(scope="session")
def pages_backend(reference_import_summary, django_db_blocker) -> EmbeddedBackend:
    """The reference pages indexed once per session; tests that change the index use ``fresh_index``."""
    with django_db_blocker.unblock():
        return _index_from_pages()


def _use_as_process_backend(backend: EmbeddedBackend, monkeypatch) -> EmbeddedBackend:
    from search import backends, runtime

    monkeypatch.setattr(backends, "_backend", backend)
    runtime.forget()
    return backend


@pytest.fixture
def pages_index(pages_backend, reference_data, monkeypatch) -> EmbeddedBackend:
    """The session index as the process-wide backend (read-only: do not publish in these tests)."""
    yield _use_as_process_backend(pages_backend, monkeypatch)
    from search import runtime

    runtime.forget()


@pytest.fixture
def fresh_index(reference_data, monkeypatch) -> EmbeddedBackend:
    """A process-wide index of its own, built from the pages as they are now; free to change."""
    yield _use_as_process_backend(_index_from_pages(), monkeypatch)
    from search import runtime

    runtime.forget()


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run in-process when enqueued (after commit), instead of waiting for the DB worker."""
    settings.TASKS = IMMEDIATE_TASKS
